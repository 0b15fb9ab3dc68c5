"""Bearer tokens in, a verified `Principal` out: every `/api` route is behind this."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from adapters.http.problems import ProblemException
from application.ports.tokens import InvalidToken, TokenVerifier
from application.principal import Principal

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="parley"'}


def invalid_token(detail: str) -> ProblemException:
    return ProblemException(401, "invalid_token", detail, UNAUTHORIZED_HEADERS)


class BearerAuthentication(AbstractAuthenticationMiddleware):
    """Turns `Authorization: Bearer <token>` into `request.user`, a `Principal`; else 401."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        super().__init__(app)
        self._verifier = verifier

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_token("a bearer token is required in the Authorization header")
        try:
            principal: Principal = await self._verifier.verify(token.strip())
        except InvalidToken as refused:
            raise invalid_token(f"the bearer token is not valid: {refused}") from None
        return AuthenticationResult(user=principal, auth=token)
