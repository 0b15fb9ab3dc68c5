"""The generated OpenAPI document, read as a contract and checked against the running service.

A plain test reads `/schema/openapi.json` for what API.md asks it to describe. Schemathesis then
fuzzes every operation of that document through the ASGI app of the real container, on the
PostgreSQL test database, with a valid bearer token and every check it has: no answer may be a
5xx, every answer must match its documented status, content type, headers and body, valid
requests must be accepted and invalid ones refused with 4xx, and an operation that answered 2xx
is replayed without a token and with a wrong one (`ignored_auth`), which must be refused.
Chains of calls are `test_openapi_stateful.py`'s.
"""

import re
from typing import Any

import pytest
import schemathesis
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.checks import CHECKS, load_all_checks

from e2e.conftest import bearer
from e2e.fuzzing import (
    CALLER,
    SCHEMA_PATH,
    KnownState,
    aim_at_known_state,
    fuzzing_config,
    known_state,
)

PROBLEM_JSON = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}

# Every route of API.md, with the problem statuses the contract names for it.
ROUTES: dict[tuple[str, str], set[int]] = {
    ("post", "/api/chat/init"): {400, 401, 413},
    ("post", "/api/chat"): {400, 401, 403, 404, 409, 413, 502},
    ("post", "/api/conversations/{conversation_id}/reply"): {401, 404, 409, 502},
    ("get", "/api/conversations"): {400, 401},
    ("get", "/api/conversations/{conversation_id}"): {401, 404},
    ("patch", "/api/conversations/{conversation_id}"): {400, 401, 404, 413},
    ("get", "/api/conversations/{conversation_id}/messages"): {400, 401, 404},
    ("get", "/api/chat-sessions/{session_id}"): {401, 404},
    ("post", "/api/chat-sessions/{session_id}/end"): {401, 404},
    ("get", "/health/live"): set(),
    ("get", "/health/ready"): {503},
}
# Routes that can answer 502 `assistant_unavailable`, whose problem carries the stored message.
ASSISTANT_ROUTES = {("post", "/api/chat"), ("post", "/api/conversations/{conversation_id}/reply")}


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0].upper()} {route[1]}"


# ------------------------------------------------------------------ the document, read plainly


@pytest.fixture
def document(client: TestClient[object]) -> dict[str, Any]:
    answer = client.get(SCHEMA_PATH)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, with a local `$ref` followed."""
    reference = schema.get("$ref")
    if reference is None:
        return schema
    target: Any = document
    for part in reference.removeprefix("#/").split("/"):
        target = target[part]
    return resolved(document, target)


def test_the_schema_is_served_as_openapi_3_1(client: TestClient[object]) -> None:
    answer = client.get(SCHEMA_PATH)
    assert answer.status_code == 200
    assert answer.json()["openapi"].startswith("3.1.")


def test_the_schema_declares_the_bearer_security_scheme(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["bearer"].items()


def test_the_schema_describes_exactly_the_routes_of_the_contract(
    document: dict[str, Any],
) -> None:
    documented = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert documented == set(ROUTES)


def test_every_operation_has_its_own_operation_id(document: dict[str, Any]) -> None:
    ids = [document["paths"][path][method].get("operationId") for method, path in ROUTES]
    assert all(ids), dict(zip(map(route_id, ROUTES), ids, strict=True))
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("route", [r for r in ROUTES if r[1].startswith("/api/")], ids=route_id)
def test_every_api_route_requires_the_bearer_token(
    document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    assert document["paths"][path][method].get("security") == [{"bearer": []}]


@pytest.mark.parametrize("route", [r for r in ROUTES if r[1].startswith("/health/")], ids=route_id)
def test_health_routes_need_no_token(document: dict[str, Any], route: tuple[str, str]) -> None:
    method, path = route
    assert not document["paths"][path][method].get("security")


@pytest.mark.parametrize("route", list(ROUTES), ids=route_id)
def test_every_route_documents_its_problem_responses_as_problem_json(
    document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    responses = document["paths"][path][method]["responses"]
    wrong: dict[int, str] = {}
    for status in sorted(ROUTES[route]):
        if str(status) not in responses:
            wrong[status] = "not documented"
            continue
        content = responses[str(status)].get("content", {})
        if set(content) != {PROBLEM_JSON}:
            wrong[status] = f"documented as {sorted(content)}"
            continue
        required = resolved(document, content[PROBLEM_JSON]["schema"]).get("required", [])
        if not set(required) >= PROBLEM_FIELDS:
            wrong[status] = f"a body requiring {sorted(required)}"
    assert wrong == {}, f"{route_id(route)}: problem responses not as API.md says: {wrong}"


@pytest.mark.parametrize("route", sorted(ASSISTANT_ROUTES), ids=route_id)
def test_the_502_problem_documents_the_stored_user_message(
    document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    problem = document["paths"][path][method]["responses"]["502"]["content"][PROBLEM_JSON]
    properties = resolved(document, problem["schema"])["properties"]
    assert {"conversation_id", "user_message"} <= set(properties)


# Texts on the edge of API.md's rules: no U+0000 anywhere, and no message of white space alone.
EDGE_TEXTS = {
    "plain": "hello",
    "padded": "  hello \n",
    "spaces only": "   ",
    "line breaks and tabs only": "\n\t\r\n",
    "unicode spaces only": "\u00a0\u2003\u3000",
    "next line only": "\x85",
    "a byte order mark": "\ufeff",
    "U+0000 inside": "a\x00b",
    "U+0000 alone": "\x00",
}


def documents(document: dict[str, Any], schema_name: str, field: str, text: str) -> bool:
    """Whether the document's schema of `field` accepts `text`, length and pattern."""
    schema = document["components"]["schemas"][schema_name]["properties"][field]
    return (
        schema["minLength"] <= len(text) <= schema["maxLength"]
        and re.search(schema["pattern"], text) is not None
    )


def test_the_schema_documents_which_texts_the_service_accepts(
    client: TestClient[object], document: dict[str, Any], subtests: pytest.Subtests
) -> None:
    chat = client.post("/api/chat/init", headers=bearer(CALLER))
    path = f"/api/conversations/{chat.json()['conversation']['id']}"
    for case, text in EDGE_TEXTS.items():
        with subtests.test(case):
            sent = client.post("/api/chat", json={"message": text}, headers=bearer(CALLER))
            started = client.post("/api/chat/init", json={"title": text}, headers=bearer(CALLER))
            renamed = client.patch(path, json={"title": text}, headers=bearer(CALLER))

            assert sent.status_code in {201, 400}, sent.text
            assert documents(document, "SendMessageIn", "message", text) is (
                sent.status_code == 201
            )
            assert started.status_code in {201, 400}, started.text
            assert documents(document, "InitChatIn", "title", text) is (started.status_code == 201)
            assert renamed.status_code in {200, 400}, renamed.text
            assert documents(document, "UpdateConversationIn", "title", text) is (
                renamed.status_code == 200
            )


# ------------------------------------------------------------------ the document, fuzzed


@pytest.fixture
def known(fuzzed_app: Litestar) -> KnownState:
    return known_state(fuzzed_app)


@pytest.fixture
def api_schema(fuzzed_app: Litestar, known: KnownState) -> schemathesis.BaseSchema:
    """The document as the app serves it, fuzzed with the caller's token on every request."""
    return schemathesis.openapi.from_asgi(
        SCHEMA_PATH, fuzzed_app, config=fuzzing_config(headers=bearer(CALLER))
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32 reads and renames `node._nodeid`, which pytest 9 no longer has: give it
    one (only its own reporting reads it)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def test_the_fuzzing_runs_every_check_schemathesis_has(api_schema: schemathesis.BaseSchema) -> None:
    load_all_checks()
    checks = api_schema.config.checks_config_for()

    disabled = [
        name for name in CHECKS.get_all_names() if not checks.get_by_name(name=name).enabled
    ]

    assert {"ignored_auth", "use_after_free", "object_level_authorization"} <= set(
        CHECKS.get_all_names()
    )
    assert disabled == []


@schema.parametrize()
def test_every_operation_answers_as_documented(case: schemathesis.Case, known: KnownState) -> None:
    aim_at_known_state(case, known)
    case.call_and_validate()
