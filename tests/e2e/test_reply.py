"""`POST /api/conversations/{id}/reply`: the assistant asked (again) about the latest message."""

import httpx

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    archive,
    assert_chat_session,
    assert_message,
    assert_problem,
    conversation_of,
    forbid_replies,
    messages_of,
    sent,
    started,
)


def reply_to(client: Client, user: str, conversation_id: str) -> httpx.Response:
    return client.post(f"/api/conversations/{conversation_id}/reply", headers=bearer(user))


def test_asking_again_stores_a_new_reply_to_the_latest_message(client: Client) -> None:
    turn = sent(client, "alice", "tell me more")
    conversation_id = turn["conversation"]["id"]

    response = reply_to(client, "alice", conversation_id)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"assistant_message", "chat_session"}
    assert_message(body["assistant_message"])
    assert_chat_session(body["chat_session"])
    assert body["assistant_message"]["role"] == "ai_assistant"
    assert body["assistant_message"]["sender_agent_id"] is None
    assert body["assistant_message"]["sequence"] == 3
    assert body["assistant_message"]["conversation_id"] == conversation_id
    assert body["chat_session"]["id"] == turn["chat_session"]["id"]
    assert body["chat_session"]["message_count"] == 3
    stored = messages_of(client, "alice", conversation_id)["items"]
    assert [m["sequence"] for m in stored] == [1, 2, 3]
    assert stored[-1] == body["assistant_message"]
    assert conversation_of(client, "alice", conversation_id)["message_count"] == 3


def test_a_chat_without_messages_has_nothing_to_reply_to(client: Client) -> None:
    conversation_id = started(client, "alice")["conversation"]["id"]

    response = reply_to(client, "alice", conversation_id)

    assert_problem(response, 409, "nothing_to_reply")
    assert messages_of(client, "alice", conversation_id)["items"] == []


def test_an_archived_conversation_gets_no_reply(client: Client) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]
    archive(client, "alice", conversation_id)

    response = reply_to(client, "alice", conversation_id)

    assert_problem(response, 409, "conversation_archived")
    assert len(messages_of(client, "alice", conversation_id)["items"]) == 2


def test_a_participant_who_may_not_reply_cannot_ask_for_a_reply(
    client: Client, clean_database: str
) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]
    forbid_replies(clean_database, conversation_id)

    response = reply_to(client, "alice", conversation_id)

    assert_problem(response, 403, "cannot_reply")
    assert len(messages_of(client, "alice", conversation_id)["items"]) == 2


def test_a_reply_to_an_unknown_or_malformed_conversation_is_not_found(client: Client) -> None:
    for conversation_id in ("5d1c2a9e-51b6-4a7e-9f43-1f0e0c4b2a77", "not-a-uuid"):
        assert_problem(reply_to(client, "alice", conversation_id), 404, "conversation_not_found")
