"""The signing keys of a JWKS endpoint, fetched lazily and kept between requests."""

import asyncio
import time
from collections.abc import Callable

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from application.ports.tokens import InvalidToken

_log = structlog.get_logger(__name__)


class JwksKeys:
    """The RS256 public keys published at `url`, by key id.

    The document is fetched on first use with the injected `client` (whose lifetime belongs
    to the caller) and kept. A key id that is not in it causes a refetch, but fetches start at
    most once per `refetch_interval_s` (and, after a failed fetch, once per
    `retry_after_failure_s` at most), so tokens naming random key ids cannot make every
    request fetch. Concurrent callers share one fetch in flight. A successful fetch replaces
    the keys, so a key the issuer withdrew stops verifying; a failed one (server down, slow
    past `timeout_s`, or a document without a usable RSA key) keeps the keys already known.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        refetch_interval_s: float = 60,
        retry_after_failure_s: float = 5,
        timeout_s: float = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._url = url
        self._refetch_interval_s = refetch_interval_s
        self._retry_after_failure_s = min(retry_after_failure_s, refetch_interval_s)
        self._timeout_s = timeout_s
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._next_fetch_at = float("-inf")
        self._in_flight: asyncio.Task[None] | None = None

    async def key_for(self, kid: str) -> RSAPublicKey:
        """The public key named `kid`; raises `InvalidToken` when the issuer has no such key."""
        key = self._keys.get(kid)
        if key is None:
            await self._refresh()
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("the token is signed with an unknown key")
        return key

    async def _refresh(self) -> None:
        if self._in_flight is None:
            if self._clock() < self._next_fetch_at:
                return
            self._in_flight = asyncio.create_task(self._fetch())
            self._in_flight.add_done_callback(self._landed)
        await asyncio.shield(self._in_flight)

    def _landed(self, fetch: "asyncio.Task[None]") -> None:
        self._in_flight = None

    async def _fetch(self) -> None:
        try:
            keys = await self._download()
        except Exception as error:  # whatever went wrong, the keys known so far stay in use
            self._next_fetch_at = self._clock() + self._retry_after_failure_s
            _log.warning("jwks_fetch_failed", url=self._url, error=str(error) or repr(error))
            return
        self._keys = keys
        self._next_fetch_at = self._clock() + self._refetch_interval_s
        _log.info("jwks_fetched", url=self._url, key_ids=sorted(keys))

    async def _download(self) -> dict[str, RSAPublicKey]:
        response = await self._client.get(self._url, timeout=self._timeout_s)
        response.raise_for_status()
        keys = rs256_keys(response.json())
        if not keys:
            raise ValueError("the JWKS document holds no RS256 signing key with a key id")
        return keys


def rs256_keys(document: object) -> dict[str, RSAPublicKey]:
    """The RS256 signing keys of a JWKS document, by key id; keys of other kinds are skipped.

    Raises `ValueError` or `jwt.PyJWKSetError` when `document` is not a JWKS document.
    """
    if not isinstance(document, dict):
        raise ValueError("the JWKS document is not a JSON object")
    keys: dict[str, RSAPublicKey] = {}
    for jwk in jwt.PyJWKSet.from_dict(document):
        if not isinstance(jwk.key_id, str) or jwk.algorithm_name != "RS256":
            continue
        if jwk.public_key_use not in (None, "sig"):
            continue
        if isinstance(jwk.key, RSAPrivateKey):
            keys[jwk.key_id] = jwk.key.public_key()
        elif isinstance(jwk.key, RSAPublicKey):
            keys[jwk.key_id] = jwk.key
    return keys
