import asyncio
import time
import uuid

import jwt
import pytest

from adapters.auth.clerk import ClerkTokenVerifier
from adapters.auth.jwks import JwksKeys
from application.ports.tokens import InvalidToken

REFETCH_INTERVAL_S = 60


@pytest.fixture
def keys(http_client, jwks_server, manual_time):
    return JwksKeys(
        http_client, jwks_server.url, refetch_interval_s=REFETCH_INTERVAL_S, clock=manual_time
    )


@pytest.fixture
def verifier(keys):
    return ClerkTokenVerifier(keys, None, frozenset())


@pytest.fixture
def token_by(signing_key):
    """A valid RS256 token for "user_1" with the header `kid`, signed by `key`."""

    def sign(kid="key-1", key=signing_key):
        claims = {"sub": "user_1", "exp": int(time.time()) + 60}
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    return sign


async def test_keys_are_fetched_on_first_use_and_then_kept(verifier, token_by, jwks_server):
    assert jwks_server.fetches == 0

    for _ in range(5):
        await verifier.verify(token_by())

    assert jwks_server.fetches == 1


async def test_the_key_set_is_fetched_with_get_from_the_configured_url(keys, jwks_server):
    await keys.key_for("key-1")

    assert [r.path for r in jwks_server.server.requests] == ["/.well-known/jwks.json"]


async def test_a_rotated_key_verifies_after_one_refetch(
    verifier, token_by, jwks_server, manual_time, rotated_key
):
    await verifier.verify(token_by("key-1"))
    jwks_server.keys = {"key-2": rotated_key}
    manual_time.advance(REFETCH_INTERVAL_S + 1)

    principal = await verifier.verify(token_by("key-2", rotated_key))

    assert principal.external_user_id == "user_1"
    assert jwks_server.fetches == 2


async def test_a_key_withdrawn_from_the_set_stops_verifying_after_a_refetch(
    verifier, token_by, jwks_server, manual_time, rotated_key
):
    await verifier.verify(token_by("key-1"))
    jwks_server.keys = {"key-2": rotated_key}
    manual_time.advance(REFETCH_INTERVAL_S + 1)
    await verifier.verify(token_by("key-2", rotated_key))

    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier.verify(token_by("key-1"))


async def test_unknown_kids_refetch_at_most_once_per_interval(
    verifier, token_by, jwks_server, manual_time
):
    await verifier.verify(token_by())
    manual_time.advance(REFETCH_INTERVAL_S + 1)

    for _ in range(50):
        with pytest.raises(InvalidToken, match="unknown key"):
            await verifier.verify(token_by(uuid.uuid4().hex))

    assert jwks_server.fetches == 2


async def test_concurrent_unknown_kids_refetch_at_most_once_per_interval(
    verifier, token_by, jwks_server, manual_time
):
    await verifier.verify(token_by())
    manual_time.advance(REFETCH_INTERVAL_S + 1)
    tokens = [token_by(uuid.uuid4().hex) for _ in range(50)]

    outcomes = await asyncio.gather(*map(verifier.verify, tokens), return_exceptions=True)

    assert all(isinstance(outcome, InvalidToken) for outcome in outcomes)
    assert jwks_server.fetches == 2


async def test_unknown_kids_refetch_again_once_the_interval_has_passed(
    keys, jwks_server, manual_time
):
    for _ in range(3):
        with pytest.raises(InvalidToken):
            await keys.key_for(uuid.uuid4().hex)
        manual_time.advance(REFETCH_INTERVAL_S + 1)

    assert jwks_server.fetches == 3


async def test_concurrent_first_verifications_share_one_fetch(verifier, token_by, jwks_server):
    jwks_server.server.delay_s = 0.1

    principals = await asyncio.gather(*(verifier.verify(token_by()) for _ in range(20)))

    assert {p.external_user_id for p in principals} == {"user_1"}
    assert jwks_server.fetches == 1


async def test_a_slow_key_server_does_not_stall_other_coroutines(verifier, token_by, jwks_server):
    jwks_server.server.delay_s = 2
    ticks = 0
    verified = asyncio.create_task(verifier.verify(token_by()))

    while not verified.done():
        await asyncio.sleep(0.01)
        ticks += 1

    assert verified.result().external_user_id == "user_1"
    assert ticks >= 50


async def test_a_key_server_slower_than_the_timeout_counts_as_down(http_client, jwks_server):
    jwks_server.server.delay_s = 1
    keys = JwksKeys(http_client, jwks_server.url, timeout_s=0.1)

    with pytest.raises(InvalidToken, match="unknown key"):
        await keys.key_for("key-1")


@pytest.mark.parametrize(
    "outage",
    [
        lambda jwks: jwks.server.stop(),
        lambda jwks: setattr(jwks, "failing", True),
        lambda jwks: setattr(jwks, "garbage", True),
    ],
    ids=["refusing connections", "answering 503", "answering garbage"],
)
async def test_known_keys_keep_verifying_while_the_key_server_is_out(
    verifier, token_by, jwks_server, manual_time, outage
):
    await verifier.verify(token_by())
    outage(jwks_server)
    manual_time.advance(REFETCH_INTERVAL_S + 1)

    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier.verify(token_by("key-unknown"))
    principal = await verifier.verify(token_by())

    assert principal.external_user_id == "user_1"


async def test_a_failed_first_fetch_is_retried_sooner_than_the_refetch_interval(
    keys, jwks_server, manual_time
):
    jwks_server.failing = True
    with pytest.raises(InvalidToken):
        await keys.key_for("key-1")
    jwks_server.failing = False

    with pytest.raises(InvalidToken):
        await keys.key_for("key-1")
    manual_time.advance(6)
    key = await keys.key_for("key-1")

    assert key is not None
    assert jwks_server.fetches == 2


async def test_keys_that_cannot_verify_rs256_are_not_kept(
    http_client, loopback_server, json_response, signing_key
):
    rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    document = {
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA", "kid": "hmac"},
            {**rsa_jwk, "kid": "encryption", "use": "enc"},
            {**rsa_jwk, "kid": "rs512", "alg": "RS512"},
            {**rsa_jwk, "kid": "good", "alg": "RS256"},
        ]
    }
    server = loopback_server(lambda request: json_response(document))
    keys = JwksKeys(http_client, server.url)

    assert await keys.key_for("good") is not None
    for kid in ["hmac", "encryption", "rs512"]:
        with pytest.raises(InvalidToken):
            await keys.key_for(kid)
