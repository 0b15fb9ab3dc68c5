from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.auth.dev import DevTokenVerifier, issue_dev_token
from application.ports.tokens import InvalidToken
from application.principal import Principal

SECRET = "dev-secret-for-the-tests-0123456789abcdef"
OTHER_SECRET = "another-dev-secret-nobody-here-uses-0123456"


@pytest.fixture
def verifier():
    return DevTokenVerifier(SECRET)


def signed(claims, secret=SECRET):
    return jwt.encode(claims, secret, algorithm="HS256")


def in_seconds(seconds):
    return int((datetime.now(UTC) + timedelta(seconds=seconds)).timestamp())


async def test_an_issued_token_proves_its_user_with_email_and_name(verifier):
    token = issue_dev_token(SECRET, "user_1", email="ada@example.com", name="Ada")

    assert await verifier.verify(token) == Principal("user_1", "ada@example.com", "Ada")


async def test_email_and_name_are_optional(verifier):
    token = issue_dev_token(SECRET, "user_1")

    assert await verifier.verify(token) == Principal("user_1", None, None)


async def test_an_issued_token_lasts_its_ttl(verifier):
    issued = datetime(2026, 1, 1, tzinfo=UTC)

    token = issue_dev_token(SECRET, "user_1", ttl=timedelta(minutes=5), now=issued)

    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iat"] == int(issued.timestamp())


async def test_an_expired_token_is_refused(verifier):
    token = issue_dev_token(SECRET, "user_1", now=datetime.now(UTC) - timedelta(days=1))

    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)


async def test_a_token_just_past_its_expiry_is_forgiven_by_the_leeway(verifier):
    principal = await verifier.verify(signed({"sub": "user_1", "exp": in_seconds(-2)}))

    assert principal.external_user_id == "user_1"


async def test_a_token_without_expiry_is_refused(verifier):
    with pytest.raises(InvalidToken, match="'exp'"):
        await verifier.verify(signed({"sub": "user_1"}))


async def test_a_token_not_valid_yet_is_refused(verifier):
    token = signed({"sub": "user_1", "nbf": in_seconds(60), "exp": in_seconds(120)})

    with pytest.raises(InvalidToken, match="not valid yet"):
        await verifier.verify(token)


async def test_a_token_without_subject_is_refused(verifier):
    with pytest.raises(InvalidToken, match="'sub'"):
        await verifier.verify(signed({"exp": in_seconds(60)}))


@pytest.mark.parametrize("sub", ["", "   ", 42, None])
async def test_a_token_whose_subject_is_blank_or_not_a_string_is_refused(verifier, sub):
    with pytest.raises(InvalidToken):
        await verifier.verify(signed({"sub": sub, "exp": in_seconds(60)}))


async def test_a_token_signed_with_another_secret_is_refused(verifier):
    token = issue_dev_token(OTHER_SECRET, "user_1")

    with pytest.raises(InvalidToken, match="signature"):
        await verifier.verify(token)


async def test_an_unsigned_token_is_refused(verifier, forged_token):
    claims = {"sub": "user_1", "exp": in_seconds(60)}
    token = forged_token({"alg": "none", "typ": "JWT"}, claims, None)

    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(token)


async def test_an_rs256_token_is_refused(verifier, signing_key):
    token = jwt.encode({"sub": "user_1", "exp": in_seconds(60)}, signing_key, algorithm="RS256")

    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(token)


@pytest.mark.parametrize("claim", ["sub", "email", "name", "role"])
async def test_a_claim_holding_u0000_is_refused(verifier, claim):
    claims = {"sub": "user_1", "exp": in_seconds(60), claim: "a\x00b"}

    with pytest.raises(InvalidToken, match="U\\+0000"):
        await verifier.verify(signed(claims))


async def test_u0000_nested_inside_a_claim_is_refused(verifier):
    claims = {"sub": "user_1", "exp": in_seconds(60), "meta": {"tags": ["ok", "a\x00"]}}

    with pytest.raises(InvalidToken, match="U\\+0000"):
        await verifier.verify(signed(claims))


@pytest.mark.parametrize(
    "token", ["", "garbage", "a.b.c", "e30.e30.", "e30.e30.e30", "ü.ü.ü", "\x00", "." * 1000]
)
async def test_a_string_that_is_no_jwt_is_refused(verifier, token):
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


def test_a_short_secret_is_refused_when_verifying():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        DevTokenVerifier("too-short")


def test_a_short_secret_is_refused_when_issuing():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        issue_dev_token("too-short", "user_1")


def test_a_token_for_a_blank_user_is_not_issued():
    with pytest.raises(ValueError, match="non-empty user id"):
        issue_dev_token(SECRET, "  ")
