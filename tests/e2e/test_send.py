"""`POST /api/chat`: a message stored, the assistant asked, its reply stored, in order."""

import time
from collections.abc import Callable

import pytest

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    agent_id_in,
    archive,
    assert_chat_session,
    assert_conversation,
    assert_message,
    assert_problem,
    conversation_of,
    forbid_replies,
    listed_ids,
    messages_of,
    send,
    sent,
    started,
)


def test_a_first_message_creates_a_conversation_with_both_members_and_a_reply(
    client: Client,
) -> None:
    response = send(client, "alice", "What is the capital of Portugal?")

    assert response.status_code == 201
    turn = response.json()
    assert set(turn) == {"conversation", "chat_session", "user_message", "assistant_message"}
    conversation, session = turn["conversation"], turn["chat_session"]
    user_message, reply = turn["user_message"], turn["assistant_message"]
    assert_conversation(conversation)
    assert_chat_session(session)
    assert_message(user_message)
    assert_message(reply)
    alice = agent_id_in(conversation)
    assert len(conversation["participants"]) == 2
    assert user_message == {
        **user_message,
        "conversation_id": conversation["id"],
        "sequence": 1,
        "role": "iso_agent",
        "sender_agent_id": alice,
        "content": "What is the capital of Portugal?",
        "client_message_id": None,
    }
    assert reply == {
        **reply,
        "conversation_id": conversation["id"],
        "sequence": 2,
        "role": "ai_assistant",
        "sender_agent_id": None,
        "content": "Echo: What is the capital of Portugal?",
    }
    assert conversation["message_count"] == 2
    assert conversation["last_message_at"] is not None
    assert session["agent_id"] == alice
    assert session["status"] == "active"
    assert session["message_count"] == 2
    assert conversation["active_chat_session"] == session


def test_the_turn_is_stored_and_readable_afterwards(client: Client) -> None:
    turn = sent(client, "alice", "remember me")

    page = messages_of(client, "alice", turn["conversation"]["id"])

    assert page["items"] == [turn["user_message"], turn["assistant_message"]]
    assert page["has_more"] is False


def test_messages_sent_into_a_conversation_continue_its_sequence_and_its_session(
    client: Client,
) -> None:
    first = sent(client, "alice", "one")
    conversation_id = first["conversation"]["id"]

    second = sent(client, "alice", "two", conversation_id=conversation_id)
    third = sent(client, "alice", "three", conversation_id=conversation_id)

    assert [m["sequence"] for m in (second["user_message"], second["assistant_message"])] == [3, 4]
    assert [m["sequence"] for m in (third["user_message"], third["assistant_message"])] == [5, 6]
    assert third["conversation"]["id"] == conversation_id
    assert third["conversation"]["message_count"] == 6
    assert third["chat_session"]["id"] == first["chat_session"]["id"]
    assert third["chat_session"]["message_count"] == 6
    sequences = [m["sequence"] for m in messages_of(client, "alice", conversation_id)["items"]]
    assert sequences == [1, 2, 3, 4, 5, 6]


def test_a_message_into_a_chat_started_empty_uses_the_session_of_the_start(
    client: Client,
) -> None:
    chat = started(client, "alice")

    turn = sent(client, "alice", "hi", conversation_id=chat["conversation"]["id"])

    assert turn["chat_session"]["id"] == chat["chat_session"]["id"]
    assert turn["chat_session"]["message_count"] == 2
    assert turn["user_message"]["sequence"] == 1


def test_a_message_without_a_conversation_id_always_starts_a_new_conversation(
    client: Client,
) -> None:
    first = sent(client, "alice", "same words")
    second = sent(client, "alice", "same words")

    assert first["conversation"]["id"] != second["conversation"]["id"]
    assert sorted(listed_ids(client, "alice")) == sorted(
        [first["conversation"]["id"], second["conversation"]["id"]]
    )


def test_a_client_message_id_is_kept_on_the_stored_message(client: Client) -> None:
    turn = sent(client, "alice", "tagged", client_message_id="web:42_a.b-c")

    assert turn["user_message"]["client_message_id"] == "web:42_a.b-c"
    stored = messages_of(client, "alice", turn["conversation"]["id"])["items"][0]
    assert stored["client_message_id"] == "web:42_a.b-c"


def test_a_message_of_exactly_the_configured_length_is_accepted(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(max_message_chars=10)

    assert send(client, "alice", "x" * 10).status_code == 201


def test_a_message_longer_than_the_configured_length_is_refused_and_not_stored(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(max_message_chars=10)

    problem = assert_problem(send(client, "alice", "x" * 11), 400, "invalid_request")

    assert "message" in problem["detail"]
    assert listed_ids(client, "alice", status="all") == []


def test_a_session_idle_for_longer_than_the_limit_is_ended_and_a_new_one_started(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(session_idle_minutes=0.001)
    first = sent(client, "alice", "before the pause")
    time.sleep(0.2)

    second = sent(client, "alice", "after the pause", conversation_id=first["conversation"]["id"])

    assert second["chat_session"]["id"] != first["chat_session"]["id"]
    assert second["chat_session"]["status"] == "active"
    assert second["chat_session"]["message_count"] == 2
    old = client.get(f"/api/chat-sessions/{first['chat_session']['id']}", headers=bearer("alice"))
    assert old.json()["status"] == "ended"
    assert old.json()["message_count"] == 2


SERVER_OWNED = ("sequence", "role", "sender_agent_id", "created_at", "id", "assistant_message")

INVALID_SENDS: dict[str, tuple[dict[str, object], str]] = {
    "U+0000 in the message": ({"message": "nul \u0000 inside"}, "message"),
    "whitespace-only message": ({"message": "   \n\t  "}, "message"),
    "empty message": ({"message": ""}, "message"),
    "no message": ({}, "message"),
    "message not a string": ({"message": 12}, "message"),
    "empty client_message_id": ({"message": "hi", "client_message_id": ""}, "client_message_id"),
    "client_message_id with a space": (
        {"message": "hi", "client_message_id": "has space"},
        "client_message_id",
    ),
    "client_message_id of 65 characters": (
        {"message": "hi", "client_message_id": "k" * 65},
        "client_message_id",
    ),
    "client_message_id ending in a line break": (
        {"message": "hi", "client_message_id": "k1\n"},
        "client_message_id",
    ),
    "client_message_id outside the alphabet": (
        {"message": "hi", "client_message_id": "emoji-\U0001f600"},
        "client_message_id",
    ),
    "malformed conversation_id": (
        {"message": "hi", "conversation_id": "not-a-uuid"},
        "conversation_id",
    ),
}


def test_a_field_the_server_owns_is_refused_in_a_send(
    client: Client, subtests: pytest.Subtests
) -> None:
    for field in SERVER_OWNED:
        with subtests.test(field):
            body = {"message": "hello", field: 7 if field == "sequence" else "forged"}

            response = client.post("/api/chat", json=body, headers=bearer("alice"))

            problem = assert_problem(response, 400, "invalid_request")
            assert field in problem["detail"]
            assert listed_ids(client, "alice", status="all") == []


def test_a_send_that_does_not_validate_is_refused_naming_the_field(
    client: Client, subtests: pytest.Subtests
) -> None:
    for case, (body, field) in INVALID_SENDS.items():
        with subtests.test(case):
            response = client.post("/api/chat", json=body, headers=bearer("alice"))

            problem = assert_problem(response, 400, "invalid_request")
            assert field in problem["detail"]
            assert listed_ids(client, "alice", status="all") == []


def test_a_client_message_id_of_sixty_four_characters_is_accepted(client: Client) -> None:
    assert send(client, "alice", "hi", client_message_id="k" * 64).status_code == 201


def test_a_body_that_is_not_json_is_refused(client: Client) -> None:
    response = client.post(
        "/api/chat",
        content=b'{"message": "unterminated',
        headers={**bearer("alice"), "Content-Type": "application/json"},
    )

    assert_problem(response, 400, "invalid_request")


def test_a_body_that_is_a_json_array_is_refused(client: Client) -> None:
    response = client.post("/api/chat", json=["hello"], headers=bearer("alice"))

    assert_problem(response, 400, "invalid_request")


def test_a_message_to_an_unknown_conversation_is_not_found_and_stores_nothing(
    client: Client,
) -> None:
    response = send(
        client, "alice", "anyone there?", conversation_id="0b9a2f57-2f3e-4c64-a9b5-0c1b2d3e4f50"
    )

    assert_problem(response, 404, "conversation_not_found")
    assert listed_ids(client, "alice", status="all") == []


def test_a_message_to_an_archived_conversation_is_refused_and_not_stored(client: Client) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]
    archive(client, "alice", conversation_id)

    response = send(client, "alice", "anyone?", conversation_id=conversation_id)

    assert_problem(response, 409, "conversation_archived")
    assert len(messages_of(client, "alice", conversation_id)["items"]) == 2


def test_a_participant_who_may_not_reply_cannot_send(client: Client, clean_database: str) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]
    forbid_replies(clean_database, conversation_id)

    response = send(client, "alice", "let me speak", conversation_id=conversation_id)

    assert_problem(response, 403, "cannot_reply")
    assert len(messages_of(client, "alice", conversation_id)["items"]) == 2
    assert conversation_of(client, "alice", conversation_id)["message_count"] == 2


def test_a_send_without_a_body_is_refused(client: Client) -> None:
    for body in (b"", b"null"):
        response = client.post(
            "/api/chat",
            content=body,
            headers={**bearer("alice"), "Content-Type": "application/json"},
        )

        assert_problem(response, 400, "invalid_request")


def test_a_message_holding_a_lone_surrogate_is_refused(client: Client) -> None:
    response = client.post(
        "/api/chat",
        content=b'{"message": "half a pair: \\ud800"}',
        headers={**bearer("alice"), "Content-Type": "application/json"},
    )

    assert_problem(response, 400, "invalid_request")
    assert listed_ids(client, "alice", status="all") == []
