"""Request ids and the structured log line of every request."""

import re
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from e2e.conftest import bearer
from e2e.helpers import Client, send, sent

ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LogLines = list[MutableMapping[str, Any]]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Every structlog line logged during the test, with the context bound to it merged in."""
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        yield lines


def request_lines(lines: LogLines) -> LogLines:
    return [line for line in lines if line["event"] == "request"]


def the_request_line(lines: LogLines, request_id: str) -> MutableMapping[str, Any]:
    found = [line for line in request_lines(lines) if line.get("request_id") == request_id]
    assert len(found) == 1, request_lines(lines)
    return found[0]


def test_a_given_request_id_is_echoed(client: Client) -> None:
    response = client.get(
        "/api/conversations", headers={**bearer("alice"), "X-Request-ID": "web-7f3a:01.b_c"}
    )

    assert response.headers["X-Request-ID"] == "web-7f3a:01.b_c"


UNACCEPTABLE_IDS = {
    "spaces": "has spaces",
    "too long": "x" * 129,
    "punctuation": "semi;colon",
    "non-ascii": "ünïcode",
}


def test_an_unacceptable_request_id_is_replaced_by_a_fresh_one(
    client: Client, subtests: pytest.Subtests
) -> None:
    for case, given in UNACCEPTABLE_IDS.items():
        with subtests.test(case):
            response = client.get("/health/live", headers={b"X-Request-ID": given.encode()})

            returned = response.headers["X-Request-ID"]
            assert returned != given
            assert ACCEPTABLE_ID.match(returned)


def test_every_response_carries_its_own_request_id(client: Client) -> None:
    responses = [
        client.get("/health/live"),
        client.get("/api/conversations", headers=bearer("alice")),
        client.get("/api/conversations"),
        client.get("/api/nowhere", headers=bearer("alice")),
    ]

    ids = [response.headers["X-Request-ID"] for response in responses]
    assert all(ACCEPTABLE_ID.match(request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)


def test_a_request_is_logged_with_its_id_route_status_duration_and_agent(
    client: Client, log_lines: LogLines
) -> None:
    response = send(client, "alice", "log me")

    turn = response.json()
    line = the_request_line(log_lines, response.headers["X-Request-ID"])
    assert line["route"] == "/api/chat"
    assert line["method"] == "POST"
    assert line["status"] == 201
    assert isinstance(line["duration_ms"], int | float)
    assert line["duration_ms"] >= 0
    assert line["agent_id"] == turn["user_message"]["sender_agent_id"]


def test_a_request_for_a_path_with_an_id_is_logged_under_its_route_template(
    client: Client, log_lines: LogLines
) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]

    response = client.get(f"/api/conversations/{conversation_id}", headers=bearer("alice"))

    line = the_request_line(log_lines, response.headers["X-Request-ID"])
    assert conversation_id not in line["route"]
    assert line["route"].startswith("/api/conversations/{conversation_id")
    assert line["status"] == 200


def test_a_refused_request_is_logged_with_its_status(client: Client, log_lines: LogLines) -> None:
    known = sent(client, "alice", "hi")
    not_found = client.get(
        "/api/conversations/f0e1d2c3-b4a5-4968-8776-655443322110", headers=bearer("alice")
    )

    unauthenticated = client.get("/api/conversations")

    missing = the_request_line(log_lines, not_found.headers["X-Request-ID"])
    assert missing["status"] == 404
    assert missing["agent_id"] == known["user_message"]["sender_agent_id"]
    refused = the_request_line(log_lines, unauthenticated.headers["X-Request-ID"])
    assert refused["status"] == 401
    assert "agent_id" not in refused


def test_the_events_committed_while_serving_a_request_are_logged_with_its_id_and_agent(
    client: Client, log_lines: LogLines
) -> None:
    response = client.post(
        "/api/chat/init", headers={**bearer("alice"), "X-Request-ID": "init-request-1"}
    )

    agent_id = response.json()["chat_session"]["agent_id"]
    own = [line for line in log_lines if line.get("request_id") == "init-request-1"]
    events = {line["event"] for line in own}
    callers = {"request", "agent_provisioned", "conversation_started", "chat_session_started"}
    assert callers <= events
    assert all(line["agent_id"] == agent_id for line in own if line["event"] in callers)


def test_a_request_does_not_inherit_the_context_of_the_one_before(
    client: Client, log_lines: LogLines
) -> None:
    sent(client, "alice", "hi")

    response = client.get("/health/live")

    line = the_request_line(log_lines, response.headers["X-Request-ID"])
    assert "agent_id" not in line
    assert "conversation_id" not in line
