"""Problem details, and the order in which the checks answer: 401, 400/413, 404, 409, 403, 429."""

from collections.abc import Callable

import httpx
import pytest

from e2e.conftest import bearer
from e2e.helpers import (
    PROBLEM_FIELDS,
    Client,
    archive,
    assert_problem,
    forbid_replies,
    messages_of,
    send,
    sent,
    started,
)

UNKNOWN_ID = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"


# --- problem details --------------------------------------------------------------------


def test_a_problem_names_its_code_in_its_type_and_its_status_in_its_title(client: Client) -> None:
    response = client.get(f"/api/conversations/{UNKNOWN_ID}", headers=bearer("alice"))

    problem = assert_problem(response, 404, "conversation_not_found")
    assert set(problem) == PROBLEM_FIELDS
    assert problem["title"] == "Not Found"
    assert "conversation_not_found" in problem["type"]


def test_an_unknown_route_is_answered_with_a_problem(client: Client) -> None:
    response = client.get("/api/nowhere", headers=bearer("alice"))

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert set(response.json()) >= PROBLEM_FIELDS


def test_a_method_a_route_does_not_have_is_answered_with_a_problem(client: Client) -> None:
    response = client.delete("/api/chat", headers=bearer("alice"))

    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 405


# --- the order of checks ----------------------------------------------------------------


def test_a_missing_token_answers_before_a_bad_body(client: Client) -> None:
    for response in (
        client.post("/api/chat", json={"message": "", "sequence": 3}),
        client.post(
            "/api/chat", content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        client.patch(f"/api/conversations/{UNKNOWN_ID}", json={}),
        client.get("/api/conversations", params={"limit": "0", "cursor": "???"}),
    ):
        assert_problem(response, 401, "invalid_token")


def test_a_missing_token_answers_before_a_body_too_large(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(max_body_bytes=2048)

    response = client.post("/api/chat", json={"message": "x" * 4000})

    assert_problem(response, 401, "invalid_token")


def test_a_bad_body_answers_before_an_unknown_conversation(client: Client) -> None:
    alice = bearer("alice")
    for response in (
        send(client, "alice", "", conversation_id=UNKNOWN_ID),
        send(client, "alice", "hi", conversation_id=UNKNOWN_ID, role="operator"),
        client.patch(f"/api/conversations/{UNKNOWN_ID}", json={}, headers=alice),
        client.patch(f"/api/conversations/{UNKNOWN_ID}", json={"title": ""}, headers=alice),
        client.get(
            f"/api/conversations/{UNKNOWN_ID}/messages",
            params={"before": "2", "after": "1"},
            headers=alice,
        ),
        client.get(
            f"/api/conversations/{UNKNOWN_ID}/messages", params={"limit": "0"}, headers=alice
        ),
    ):
        assert_problem(response, 400, "invalid_request")


def test_a_body_too_large_answers_before_an_unknown_conversation(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(max_body_bytes=2048)

    response = send(client, "alice", "x" * 4000, conversation_id=UNKNOWN_ID)

    assert_problem(response, 413, "payload_too_large")


def test_someone_elses_archived_conversation_is_not_found_rather_than_archived(
    client: Client,
) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]
    archive(client, "alice", conversation_id)

    for response in (
        send(client, "bob", "hi", conversation_id=conversation_id),
        client.post(f"/api/conversations/{conversation_id}/reply", headers=bearer("bob")),
    ):
        assert_problem(response, 404, "conversation_not_found")


def test_an_archived_conversation_answers_archived_before_the_missing_right_to_reply(
    client: Client, clean_database: str
) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]
    archive(client, "alice", conversation_id)
    forbid_replies(clean_database, conversation_id)

    for response in (
        send(client, "alice", "hi again", conversation_id=conversation_id),
        client.post(f"/api/conversations/{conversation_id}/reply", headers=bearer("alice")),
    ):
        assert_problem(response, 409, "conversation_archived")
    assert len(messages_of(client, "alice", conversation_id)["items"]) == 2


def test_an_empty_conversation_has_nothing_to_reply_before_the_missing_right_to_reply(
    client: Client, clean_database: str
) -> None:
    conversation_id = started(client, "alice")["conversation"]["id"]
    forbid_replies(clean_database, conversation_id)

    response = client.post(f"/api/conversations/{conversation_id}/reply", headers=bearer("alice"))

    assert_problem(response, 409, "nothing_to_reply")


def test_a_bad_body_answers_before_the_rate_limit(client_with: Callable[..., Client]) -> None:
    client = client_with(rate_limit_per_minute=1)
    assert client.get("/api/conversations", headers=bearer("alice")).status_code == 200

    response = send(client, "alice", "   ")

    assert_problem(response, 400, "invalid_request")


UNKNOWN_CONVERSATION_REQUESTS: dict[str, Callable[[Client], httpx.Response]] = {
    "GET /api/conversations/{id}": lambda client: client.get(
        f"/api/conversations/{UNKNOWN_ID}", headers=bearer("alice")
    ),
    "POST /api/chat": lambda client: send(client, "alice", "hi", conversation_id=UNKNOWN_ID),
}


@pytest.mark.parametrize(
    "request_for_unknown",
    UNKNOWN_CONVERSATION_REQUESTS.values(),
    ids=UNKNOWN_CONVERSATION_REQUESTS.keys(),
)
def test_an_unknown_conversation_answers_before_the_rate_limit(
    client_with: Callable[..., Client], request_for_unknown: Callable[[Client], httpx.Response]
) -> None:
    """API.md: "... existence and membership (404), state (409), permission (403), rate (429)"."""
    client = client_with(rate_limit_per_minute=1)
    assert client.get("/api/conversations", headers=bearer("alice")).status_code == 200

    response = request_for_unknown(client)

    assert_problem(response, 404, "conversation_not_found")
