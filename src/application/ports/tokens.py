"""The token verifier port: who a bearer token proves the caller to be."""

from typing import Protocol

from application.principal import Principal


class InvalidToken(Exception):
    """The token is missing, malformed, expired, not yet valid or badly signed."""


class TokenVerifier(Protocol):
    """Verifies a bearer token and returns the `Principal` it proves.

    Raises `InvalidToken` for any token it cannot trust; never returns a partial principal.
    """

    async def verify(self, token: str) -> Principal: ...
