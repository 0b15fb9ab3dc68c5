"""Schemathesis's stateful phase: chains of calls along the links it infers from the OpenAPI
document (a chat started, then read, renamed, answered, its session ended, ...), through the ASGI
app of the real container on PostgreSQL, with every check Schemathesis has on every answer.

Two users are declared in a Web Fuzzing Commons auth document: the owner makes the calls, and
`object_level_authorization` replays the owner's reads of what it created as the peer, who must
not get it. The checks that look back along a chain run here: `ensure_resource_availability`
(what a call created, the next one finds) and `use_after_free` (nothing deleted is served); the
latter finds nothing to look at, since API.md names no DELETE (archiving a conversation or ending
a chat session keeps it readable, by contract). A witness between Schemathesis and the app
records every exchange, so that the test also asserts what the probes got, in API.md's terms.
Each scenario starts without conversations.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from schemathesis.generation.stateful.state_machine import APIStateMachine

from adapters.auth.dev import issue_dev_token
from e2e.conftest import DEV_SECRET
from e2e.fuzzing import (
    CALLER,
    SCHEMA_PATH,
    KnownState,
    aim_query_at_known_state,
    fuzzing_config,
    known_state,
)
from e2e.helpers import execute

OWNER = CALLER
PEER = "schemathesis-peer"
FORGED = "<an unknown token>"
CONVERSATION_TABLES = (
    "idempotency_keys, messages, chat_sessions, conversation_members, conversation_participants,"
    " conversations"
)


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    route: str
    """The route's path template, or the path itself when no route matched."""
    caller: str | None
    """Whose token the request carried: a user's name, `FORGED`, or None without one."""
    status: int
    body: bytes


@dataclass
class Witness:
    """ASGI middleware over the app: records every HTTP exchange, naming its caller."""

    app: ASGIApp
    exchanges: list[Exchange] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, body = 0, bytearray()

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, recorded)
        caller = caller_of(dict(scope["headers"]).get(b"authorization"))
        route = scope.get("path_template") or scope["path"]
        self.exchanges.append(Exchange(scope["method"], route, caller, status, bytes(body)))

    def of(self, caller: str | None) -> list[Exchange]:
        return [e for e in self.exchanges if e.caller == caller and e.route.startswith("/api/")]


def caller_of(authorization: bytes | None) -> str | None:
    """The user a dev token was issued to, `FORGED` for any other credentials, None for none."""
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    try:
        claims = jwt.decode(token, DEV_SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return FORGED
    return str(claims["sub"]) if scheme == "Bearer" else FORGED


@pytest.fixture
def tokens() -> dict[str, str]:
    return {user: issue_dev_token(DEV_SECRET, user) for user in (OWNER, PEER)}


@pytest.fixture
def witness(fuzzed_app: Litestar) -> Witness:
    """The app of the real container behind a witness."""
    return Witness(fuzzed_app)


@pytest.fixture
def known(witness: Witness) -> KnownState:
    return known_state(witness)


@pytest.fixture
def users_document(tmp_path: Path, tokens: dict[str, str]) -> Path:
    """The two users, as a Web Fuzzing Commons auth document."""
    users = [
        {"name": user, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
        for user, token in tokens.items()
    ]
    document = tmp_path / "users.json"
    document.write_text(json.dumps({"auth": users}))
    return document


@pytest.fixture
def chains(
    witness: Witness, known: KnownState, users_document: Path, clean_database: str
) -> type[APIStateMachine]:
    """The state machine Schemathesis builds from the document's inferred links."""
    config = fuzzing_config(auth={"wfc": {"path": str(users_document), "peers": [OWNER, PEER]}})
    api_schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, witness, config=config)

    class Chains(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts without conversations, so that the same steps meet the same
            # answers (a `client_message_id` of an earlier scenario would not): Hypothesis
            # replays steps, and refuses a machine whose rules change under it. The agents stay:
            # the service keeps them in memory, as rows that never change.
            execute(clean_database, f"TRUNCATE {CONVERSATION_TABLES}")

        def before_call(self, case: schemathesis.Case) -> None:
            aim_query_at_known_state(case, known)

    return Chains


def is_empty_page(exchange: Exchange) -> bool:
    page: Any = json.loads(exchange.body)
    return exchange.status == 200 and page["items"] == [] and page["next_cursor"] is None


def test_chains_of_calls_answer_as_documented_and_no_user_gets_anothers_objects(
    chains: type[APIStateMachine], witness: Witness
) -> None:
    witness.exchanges.clear()

    chains.run(
        settings=settings(
            max_examples=30,
            stateful_step_count=10,
            deadline=None,
            database=None,
            derandomize=True,
            # Schemathesis filters and builds large bodies (messages of up to 16000 characters).
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        )
    )

    served = {(e.method, e.route) for e in witness.of(OWNER) if 200 <= e.status < 300}
    created = {e.route for e in witness.of(OWNER) if e.status == 201}
    assert {"/api/chat/init", "/api/chat"} <= created
    for caller in (None, FORGED):
        refused = witness.of(caller)
        assert served <= {(e.method, e.route) for e in refused}, f"not all tried as {caller}"
        assert {e.status for e in refused} == {401}
    peer = witness.of(PEER)
    assert {e.route for e in peer if e.status == 404} >= {
        "/api/conversations/{conversation_id}",
        "/api/conversations/{conversation_id}/messages",
        "/api/chat-sessions/{session_id}",
    }
    leaks = [e for e in peer if e.status != 404 and not is_empty_page(e)]
    assert leaks == []
