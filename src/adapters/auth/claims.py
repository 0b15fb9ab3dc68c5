"""Turning the claims of a verified token into the `Principal` they name."""

from collections.abc import Mapping

from application.ports.tokens import InvalidToken
from application.principal import Principal


def principal_from_claims(claims: Mapping[str, object]) -> Principal:
    """The principal named by verified `claims`: `sub`, with `email` and `name` when present.

    Raises `InvalidToken` when `sub` is missing, not a string or blank, or when any claim
    holds U+0000. An `email` or `name` that is not a non-empty string is left out.
    """
    if _holds_nul(claims):
        raise InvalidToken("a claim contains U+0000")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidToken("the token names no subject")
    return Principal(subject, _text(claims.get("email")), _text(claims.get("name")))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False
