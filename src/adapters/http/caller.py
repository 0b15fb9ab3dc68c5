"""The caller of a request: authenticated by the middleware, then held to its request rate."""

from typing import Any

from litestar import Request

from adapters.http.problems import ProblemException
from adapters.http.rate_limit import RateLimiter
from application.principal import Principal

ApiRequest = Request[Principal, str, Any]


def admitted_caller(request: ApiRequest, limiter: RateLimiter) -> Principal:
    """The verified principal, unless it has used up its request rate (429)."""
    principal = request.user
    retry_after = limiter.admit(principal.external_user_id)
    if retry_after is not None:
        raise ProblemException(
            429,
            "rate_limited",
            "too many requests from this agent; slow down",
            {"Retry-After": str(retry_after)},
        )
    return principal
