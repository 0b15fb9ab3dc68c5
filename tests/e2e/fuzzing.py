"""What the Schemathesis tests share: the app they drive, what the caller owns before fuzzing
starts, and how generated requests are aimed at it."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi

from e2e.conftest import bearer

SCHEMA_PATH = "/schema/openapi.json"
CALLER = "schemathesis-caller"


@dataclass(frozen=True, slots=True)
class KnownState:
    """What the caller owns before fuzzing starts, so that operations on an id or a cursor are
    also tried on one that exists, and not only answered 404 or 400."""

    conversation_id: str
    session_id: str
    cursor: str

    def for_path(self, name: str) -> str | None:
        return {"conversation_id": self.conversation_id, "session_id": self.session_id}.get(name)


def known_state(app: Any) -> KnownState:
    """Two conversations of the caller, the first with a message, and a cursor past the newest;
    made through Schemathesis's own client, so the app's lifespan runs on its event loop."""
    with asgi.get_client(app) as http:
        sent = http.post("/api/chat", json={"message": "hello"}, headers=bearer(CALLER))
        assert sent.status_code == 201, sent.text
        started = http.post("/api/chat/init", json={"title": "second"}, headers=bearer(CALLER))
        assert started.status_code == 201, started.text
        page = http.get("/api/conversations", params={"limit": 1}, headers=bearer(CALLER))
        assert page.status_code == 200, page.text
    turn, cursor = sent.json(), page.json()["next_cursor"]
    assert cursor is not None
    return KnownState(turn["conversation"]["id"], turn["chat_session"]["id"], cursor)


def fuzzing_config(**settings: Any) -> schemathesis.Config:
    """Every check Schemathesis has (its defaults), with `settings` added at the top level."""
    return schemathesis.Config.from_dict(
        {
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "generation": {
                "max-examples": 25,
                "deterministic": True,
                "database": "none",
            },
            "checks": {
                # Invalid requests are refused by the service itself, never by a crash.
                "negative_data_rejection": {"expected-statuses": ["4XX"]},
            },
            **settings,
        }
    )


def is_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def now_and_then(value: object) -> bool:
    """True for about half of the well-formed ids, always the same for the same id."""
    return is_uuid(value) and UUID(str(value)).int % 2 == 0


def aim_at_known_state(case: schemathesis.Case, known: KnownState) -> None:
    """Valid ids point now and then at what the caller owns; see `aim_query_at_known_state`."""
    for name, value in (case.path_parameters or {}).items():
        mine = known.for_path(name)
        if mine is not None and now_and_then(value):
            case.path_parameters[name] = mine
    if isinstance(case.body, dict) and now_and_then(case.body.get("conversation_id")):
        case.body["conversation_id"] = known.conversation_id
    aim_query_at_known_state(case, known)


def aim_query_at_known_state(case: schemathesis.Case, known: KnownState) -> None:
    """Valid query values that the schema cannot tell apart from refused ones are made ones the
    service accepts: a cursor it handed out; `before` or `after`, not both. Invalid values stay
    as generated."""
    negative_query = case.meta is not None and case.meta.is_negative_at(ParameterLocation.QUERY)
    if case.query and not negative_query:
        if "cursor" in case.query:
            case.query["cursor"] = known.cursor
        if case.query.get("before") is not None:
            case.query.pop("after", None)
