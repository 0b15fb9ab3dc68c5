"""Dev mode: HS256 tokens signed with a local secret, and the command that issues them."""

from datetime import UTC, datetime, timedelta

import jwt

from adapters.auth.claims import principal_from_claims
from adapters.auth.reasons import reason_for
from application.ports.tokens import InvalidToken
from application.principal import Principal

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
"""RFC 7518 §3.2: an HS256 key is at least as long as the hash it feeds (256 bits)."""


class DevTokenVerifier:
    """Verifies dev-mode bearer tokens: HS256 JWTs signed with `secret`, for local use only.

    `sub` (a non-empty string) and `exp` are required; `exp`, `nbf` and `iat` are checked with
    `leeway_s` seconds of leeway. `email` and `name` are taken when they are strings. Any other
    algorithm (`none`, RS256, ...) is refused. Raises `InvalidToken` with a short reason for
    every token it does not trust, and `ValueError` at construction for a secret shorter than
    32 bytes.
    """

    def __init__(self, secret: str, leeway_s: float = 5) -> None:
        self._secret = _checked(secret)
        self._leeway_s = leeway_s

    async def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                leeway=self._leeway_s,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(reason_for(error)) from error
        return principal_from_claims(claims)


def issue_dev_token(
    secret: str,
    user_id: str,
    *,
    email: str | None = None,
    name: str | None = None,
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    """A dev-mode token for `user_id`, valid for `ttl` from `now` (the current time by default).

    Raises `ValueError` for a blank `user_id` or a secret shorter than 32 bytes.
    """
    if not user_id.strip():
        raise ValueError("a dev token needs a non-empty user id")
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {"sub": user_id, "iat": issued, "exp": issued + ttl}
    if email is not None:
        claims["email"] = email
    if name is not None:
        claims["name"] = name
    return jwt.encode(claims, _checked(secret), algorithm=ALGORITHM)


def _checked(secret: str) -> str:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"the dev secret must be at least {MIN_SECRET_BYTES} bytes long")
    return secret
