"""Bearer tokens: 401 `invalid_token` for anything untrusted, 403 for an unprovisioned agent."""

import base64
import json
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import psycopg
import pytest

from e2e.conftest import DEV_SECRET, bearer
from e2e.helpers import Client, assert_problem, sent

ROUTES = [
    ("POST", "/api/chat/init"),
    ("POST", "/api/chat"),
    ("GET", "/api/conversations"),
    ("GET", "/api/conversations/0d8f6a52-1b3c-4e5d-8f70-a1b2c3d4e5f6"),
    ("PATCH", "/api/conversations/0d8f6a52-1b3c-4e5d-8f70-a1b2c3d4e5f6"),
    ("GET", "/api/conversations/0d8f6a52-1b3c-4e5d-8f70-a1b2c3d4e5f6/messages"),
    ("POST", "/api/conversations/0d8f6a52-1b3c-4e5d-8f70-a1b2c3d4e5f6/reply"),
    ("GET", "/api/chat-sessions/0d8f6a52-1b3c-4e5d-8f70-a1b2c3d4e5f6"),
    ("POST", "/api/chat-sessions/0d8f6a52-1b3c-4e5d-8f70-a1b2c3d4e5f6/end"),
]
BODIES: dict[str, object] = {"/api/chat": {"message": "hi"}}


def claims(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {"sub": "alice", "iat": now, "exp": now + timedelta(hours=1)}
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def signed(secret: str = DEV_SECRET, algorithm: str = "HS256", **changes: object) -> str:
    return jwt.encode(claims(**changes), secret, algorithm=algorithm)


def unsigned(**changes: object) -> str:
    def part(value: dict[str, object]) -> str:
        raw = json.dumps(value, default=lambda moment: int(moment.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims(**changes))}."


def as_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused_token(response: httpx.Response) -> None:
    assert_problem(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_every_api_route_needs_a_token(client: Client, subtests: pytest.Subtests) -> None:
    for method, path in ROUTES:
        with subtests.test(f"{method} {path}"):
            response = client.request(method, path, json=BODIES.get(path, {"title": "x"}))

            assert_refused_token(response)


def hs512() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return signed(algorithm="HS512")


UNTRUSTED: dict[str, Callable[[], dict[str, str]]] = {
    "basic scheme": lambda: {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    "bearer without token": lambda: {"Authorization": "Bearer"},
    "bearer with blank token": lambda: {"Authorization": "Bearer    "},
    "not a jwt": lambda: {"Authorization": "Bearer not-a-jwt"},
    "garbage jwt": lambda: {"Authorization": "Bearer a.b.c"},
    "expired": lambda: as_header(signed(exp=datetime.now(UTC) - timedelta(minutes=5))),
    "wrong secret": lambda: as_header(signed(secret="another-secret-long-enough-0123456789abc")),
    "another algorithm": lambda: as_header(hs512()),
    "alg none": lambda: as_header(unsigned()),
    "no sub": lambda: as_header(signed(sub=None)),
    "blank sub": lambda: as_header(signed(sub="")),
    "no exp": lambda: as_header(signed(exp=None)),
    "not valid yet": lambda: as_header(signed(nbf=datetime.now(UTC) + timedelta(hours=1))),
    "U+0000 in sub": lambda: as_header(signed(sub="nul\u0000user")),
}


def test_an_untrusted_token_is_refused_with_401(client: Client, subtests: pytest.Subtests) -> None:
    for case, headers in UNTRUSTED.items():
        with subtests.test(case):
            response = client.post("/api/chat", json={"message": "hi"}, headers=headers())

            assert_refused_token(response)
    assert client.get("/api/conversations", headers=bearer("alice")).json()["items"] == []


def test_a_token_built_by_hand_with_the_dev_secret_is_accepted(client: Client) -> None:
    response = client.post("/api/chat/init", headers=as_header(signed(sub="carol")))

    assert response.status_code == 201


def test_a_token_with_email_and_name_is_accepted(client: Client) -> None:
    headers = bearer("dora", email="dora@example.com", name="Dora")

    assert client.post("/api/chat", json={"message": "hi"}, headers=headers).status_code == 201


def test_health_and_schema_need_no_token(client: Client) -> None:
    for path in ("/health/live", "/health/ready", "/schema/openapi.json"):
        assert client.get(path).status_code == 200


def test_an_unknown_agent_is_refused_when_auto_provisioning_is_off(
    client_with: Callable[..., Client], clean_database: str
) -> None:
    client = client_with(auto_provision=False)

    responses = [
        client.post("/api/chat", json={"message": "hi"}, headers=bearer("stranger")),
        client.post("/api/chat/init", headers=bearer("stranger")),
        client.get("/api/conversations", headers=bearer("stranger")),
    ]

    for response in responses:
        problem = assert_problem(response, 403, "agent_not_provisioned")
        assert "parley agents" in problem["detail"]
    with psycopg.connect(clean_database) as connection:
        agents = connection.execute("SELECT count(*) FROM iso_agents").fetchone()
    assert agents == (0,)


def test_a_known_agent_is_served_when_auto_provisioning_is_off(
    client: Client, client_with: Callable[..., Client]
) -> None:
    first = sent(client, "alice", "provisioned on first use")
    strict = client_with(auto_provision=False)

    response = strict.get("/api/conversations", headers=bearer("alice"))

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [first["conversation"]["id"]]
