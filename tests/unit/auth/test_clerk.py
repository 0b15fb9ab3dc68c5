import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.auth.clerk import ClerkTokenVerifier
from adapters.auth.jwks import JwksKeys
from application.ports.tokens import InvalidToken
from application.principal import Principal

ISSUER = "https://clerk.example.com"
ORIGIN = "https://app.example.com"


@pytest.fixture
def claims():
    """Claims of a fresh Clerk session token, as a function of what the test changes."""

    def build(**changes):
        now = int(time.time())
        base = {
            "sub": "user_2abc",
            "iss": ISSUER,
            "azp": ORIGIN,
            "sid": "sess_1",
            "iat": now,
            "nbf": now - 5,
            "exp": now + 60,
        }
        return {k: v for k, v in {**base, **changes}.items() if v is not None}

    return build


@pytest.fixture
def signed(signing_key, claims):
    """An RS256 token over `claims(**changes)`, signed by `key` (the published one by default)."""

    def sign(*, key=signing_key, kid="key-1", **changes):
        headers = {} if kid is None else {"kid": kid}
        return jwt.encode(claims(**changes), key, algorithm="RS256", headers=headers)

    return sign


@pytest.fixture
def keys(http_client, jwks_server):
    return JwksKeys(http_client, jwks_server.url)


@pytest.fixture
def verifier(keys):
    return ClerkTokenVerifier(keys, ISSUER, frozenset({ORIGIN}))


async def test_a_valid_session_token_proves_its_subject(verifier, signed):
    principal = await verifier.verify(signed())

    assert principal == Principal("user_2abc", None, None)


async def test_email_and_name_claims_are_taken_when_the_session_token_carries_them(
    verifier, signed
):
    principal = await verifier.verify(signed(email="ada@example.com", name="Ada Lovelace"))

    assert principal == Principal("user_2abc", "ada@example.com", "Ada Lovelace")


async def test_email_and_name_claims_that_are_not_strings_are_left_out(verifier, signed):
    principal = await verifier.verify(signed(email=["ada@example.com"], name={"first": "Ada"}))

    assert principal == Principal("user_2abc", None, None)


async def test_an_expired_token_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(signed(exp=int(time.time()) - 60))


async def test_a_token_without_expiry_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="'exp'"):
        await verifier.verify(signed(exp=None))


async def test_a_token_not_valid_until_beyond_the_leeway_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="not valid yet"):
        await verifier.verify(signed(nbf=int(time.time()) + 60))


async def test_clocks_that_disagree_by_less_than_the_leeway_are_forgiven(verifier, signed):
    now = int(time.time())

    principal = await verifier.verify(signed(nbf=now + 2, iat=now + 2, exp=now - 2))

    assert principal.external_user_id == "user_2abc"


async def test_a_token_from_another_issuer_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="issuer"):
        await verifier.verify(signed(iss="https://evil.example.com"))


async def test_a_token_without_issuer_is_refused_when_an_issuer_is_configured(verifier, signed):
    with pytest.raises(InvalidToken, match="'iss'"):
        await verifier.verify(signed(iss=None))


async def test_any_issuer_is_accepted_when_none_is_configured(keys, signed):
    verifier = ClerkTokenVerifier(keys, None, frozenset({ORIGIN}))

    principal = await verifier.verify(signed(iss="https://other.example.com"))

    assert principal.external_user_id == "user_2abc"


async def test_a_token_made_for_another_party_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="not authorized"):
        await verifier.verify(signed(azp="https://evil.example.com"))


async def test_a_token_without_authorized_party_is_refused_when_parties_are_configured(
    verifier, signed
):
    with pytest.raises(InvalidToken, match="no authorized party"):
        await verifier.verify(signed(azp=None))


@pytest.mark.parametrize("azp", [None, "https://anywhere.example.com"])
async def test_the_authorized_party_is_not_checked_when_no_parties_are_configured(
    keys, signed, azp
):
    verifier = ClerkTokenVerifier(keys, ISSUER, frozenset())

    principal = await verifier.verify(signed(azp=azp))

    assert principal.external_user_id == "user_2abc"


@pytest.mark.parametrize("sub", [None, "", "   ", 42])
async def test_a_token_without_a_usable_subject_is_refused(verifier, signed, sub):
    with pytest.raises(InvalidToken):
        await verifier.verify(signed(sub=sub))


async def test_a_claim_holding_u0000_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="U\\+0000"):
        await verifier.verify(signed(name="Ada\x00"))


async def test_an_unsigned_token_is_refused_without_fetching_any_key(
    verifier, claims, forged_token, jwks_server
):
    token = forged_token({"alg": "none", "typ": "JWT", "kid": "key-1"}, claims(), None)

    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(token)

    assert jwks_server.fetches == 0


async def test_a_token_hmac_signed_with_the_public_key_is_refused(
    verifier, claims, forged_token, signing_key, public_pem
):
    secret = public_pem(signing_key).encode()
    token = forged_token({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, claims(), secret)

    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(token)


async def test_a_token_signed_with_another_rsa_algorithm_is_refused(verifier, claims, signing_key):
    token = jwt.encode(claims(), signing_key, algorithm="RS512", headers={"kid": "key-1"})

    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(token)


async def test_a_token_signed_by_another_key_under_a_published_kid_is_refused(
    verifier, signed, stranger_key
):
    with pytest.raises(InvalidToken, match="signature"):
        await verifier.verify(signed(key=stranger_key, kid="key-1"))


async def test_a_token_that_names_no_key_is_refused_without_fetching(verifier, signed, jwks_server):
    with pytest.raises(InvalidToken, match="no signing key"):
        await verifier.verify(signed(kid=None))

    assert jwks_server.fetches == 0


async def test_a_token_meant_for_an_audience_is_refused(verifier, signed):
    with pytest.raises(InvalidToken, match="audience"):
        await verifier.verify(signed(aud="https://other-api.example.com"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "e30.e30.", "\x00"])
async def test_a_token_that_is_no_jwt_is_refused(verifier, token):
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


class TestWithAPinnedKey:
    @pytest.fixture
    def verifier(self, signing_key, public_pem):
        return ClerkTokenVerifier(public_pem(signing_key), ISSUER, frozenset({ORIGIN}))

    async def test_a_token_signed_by_the_pinned_key_is_accepted_whatever_its_kid(
        self, verifier, signed
    ):
        for kid in ["key-1", "anything", None]:
            principal = await verifier.verify(signed(kid=kid))

            assert principal.external_user_id == "user_2abc"

    async def test_a_token_signed_by_another_key_is_refused(self, verifier, signed, stranger_key):
        with pytest.raises(InvalidToken, match="signature"):
            await verifier.verify(signed(key=stranger_key))

    async def test_an_unsigned_token_is_refused(self, verifier, claims, forged_token):
        token = forged_token({"alg": "none", "typ": "JWT"}, claims(), None)

        with pytest.raises(InvalidToken, match="algorithm"):
            await verifier.verify(token)

    async def test_a_token_hmac_signed_with_the_pinned_pem_is_refused(
        self, verifier, claims, forged_token, signing_key, public_pem
    ):
        secret = public_pem(signing_key).encode()
        token = forged_token({"alg": "HS256", "typ": "JWT"}, claims(), secret)

        with pytest.raises(InvalidToken, match="algorithm"):
            await verifier.verify(token)

    async def test_the_claims_are_checked_as_with_a_key_set(self, verifier, signed):
        with pytest.raises(InvalidToken, match="issuer"):
            await verifier.verify(signed(iss="https://evil.example.com"))

    def test_a_pinned_key_that_is_not_rsa_is_refused_at_start(self):
        pem = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

        with pytest.raises(ValueError, match="not an RSA public key"):
            ClerkTokenVerifier(pem, ISSUER, frozenset())
