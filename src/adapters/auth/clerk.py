"""Clerk mode: RS256 session tokens checked against Clerk's keys."""

from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from adapters.auth.claims import principal_from_claims
from adapters.auth.jwks import JwksKeys
from adapters.auth.reasons import reason_for
from application.ports.tokens import InvalidToken
from application.principal import Principal

ALGORITHM = "RS256"


class ClerkTokenVerifier:
    """Verifies Clerk session tokens (RS256 JWTs) and returns the principal of their `sub`.

    `keys` is either the `JwksKeys` of the Clerk instance (the key is chosen by the token's
    `kid`) or one pinned PEM public key (the `kid` is then ignored). The algorithm is pinned
    to RS256: `alg: none`, HS256 "signed" with the public key, and every other algorithm are
    refused before any key is looked up. `exp` is required and, like `nbf` when present,
    checked with `leeway_s` seconds of leeway; `iss` must equal `issuer` when one is given;
    `sub` must be a non-empty string; a token carrying an `aud` is refused (none is
    configured).

    `azp` (the origin the token was made for): when `authorized_parties` is empty it is not
    checked. When it is not empty, the token's `azp` must be one of them, and a token without
    `azp` is refused too, since it cannot show that it was made for an allowed origin.

    Clerk puts no email or name in session tokens unless the session token is customised:
    `email` and `name` claims are taken when they are strings, otherwise left out.
    Raises `InvalidToken` with a short reason for every token it does not trust.
    """

    def __init__(
        self,
        keys: JwksKeys | RSAPublicKey | str | bytes,
        issuer: str | None,
        authorized_parties: frozenset[str],
        leeway_s: float = 5,
    ) -> None:
        self._keys = keys if isinstance(keys, JwksKeys | RSAPublicKey) else _pem_public_key(keys)
        self._issuer = issuer
        self._authorized_parties = authorized_parties
        self._leeway_s = leeway_s

    async def verify(self, token: str) -> Principal:
        key = await self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=self._leeway_s,
                options={"require": ["exp", "sub", *(["iss"] if self._issuer else [])]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(reason_for(error)) from error
        self._check_authorized_party(claims)
        return principal_from_claims(claims)

    async def _key_for(self, token: str) -> RSAPublicKey:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(reason_for(error)) from error
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("the token is signed with an algorithm that is not accepted")
        if isinstance(self._keys, RSAPublicKey):
            return self._keys
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no signing key")
        return await self._keys.key_for(kid)

    def _check_authorized_party(self, claims: dict[str, Any]) -> None:
        if not self._authorized_parties:
            return
        party = claims.get("azp")
        if party is None:
            raise InvalidToken("the token names no authorized party")
        if not isinstance(party, str) or party not in self._authorized_parties:
            raise InvalidToken("the token was made for a party that is not authorized")


def _pem_public_key(key: str | bytes) -> RSAPublicKey:
    loaded = load_pem_public_key(key.encode() if isinstance(key, str) else key)
    if not isinstance(loaded, RSAPublicKey):
        raise ValueError("the pinned Clerk key is not an RSA public key")
    return loaded
