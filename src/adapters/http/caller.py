"""The caller of a request: authenticated by the middleware, then held to its request rate."""

from typing import Any

from litestar import Request

from adapters.http.problems import ProblemException
from adapters.http.rate_limit import RateLimiter
from application.context import UseCaseContext
from application.principal import Principal
from application.use_cases.preflight import Intent, first_refusal

ApiRequest = Request[Principal, str, Any]


async def admitted_caller(
    request: ApiRequest, limiter: RateLimiter, context: UseCaseContext, intent: Intent
) -> Principal:
    """The verified principal, unless it has used up its request rate.

    Over the rate, the request is answered by the first other check it fails (404, 409, 403),
    as API.md orders them, and else by 429 `rate_limited`.
    """
    principal = request.user
    retry_after = limiter.admit(principal.external_user_id)
    if retry_after is None:
        return principal
    refusal = await first_refusal(context, principal, intent)
    if refusal is not None:
        raise refusal
    raise ProblemException(
        429,
        "rate_limited",
        "too many requests from this agent; slow down",
        {"Retry-After": str(retry_after)},
    )
