"""`/api/chat-sessions`: the caller's own sessions, read and ended."""

from datetime import datetime

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    assert_chat_session,
    assert_problem,
    conversation_of,
    sent,
    started,
)


def session_path(session_id: str) -> str:
    return f"/api/chat-sessions/{session_id}"


def test_a_session_is_read_as_the_send_left_it(client: Client) -> None:
    turn = sent(client, "alice", "hi")

    response = client.get(session_path(turn["chat_session"]["id"]), headers=bearer("alice"))

    assert response.status_code == 200
    assert_chat_session(response.json())
    assert response.json() == turn["chat_session"]
    assert response.json()["message_count"] == 2


def test_ending_a_session_marks_it_ended_and_takes_it_off_the_conversation(
    client: Client,
) -> None:
    chat = started(client, "alice")
    session_id = chat["chat_session"]["id"]

    response = client.post(f"{session_path(session_id)}/end", headers=bearer("alice"))

    assert response.status_code == 200
    ended = response.json()
    assert_chat_session(ended)
    assert ended["id"] == session_id
    assert ended["status"] == "ended"
    assert datetime.fromisoformat(ended["ended_at"]) >= datetime.fromisoformat(ended["started_at"])
    assert client.get(session_path(session_id), headers=bearer("alice")).json() == ended
    assert (
        conversation_of(client, "alice", chat["conversation"]["id"])["active_chat_session"] is None
    )


def test_ending_an_ended_session_changes_nothing(client: Client) -> None:
    session_id = started(client, "alice")["chat_session"]["id"]
    first = client.post(f"{session_path(session_id)}/end", headers=bearer("alice"))

    second = client.post(f"{session_path(session_id)}/end", headers=bearer("alice"))

    assert second.status_code == 200
    assert second.json() == first.json()


def test_a_message_after_the_session_ended_starts_a_new_session(client: Client) -> None:
    chat = started(client, "alice")
    old_id = chat["chat_session"]["id"]
    client.post(f"{session_path(old_id)}/end", headers=bearer("alice"))

    turn = sent(client, "alice", "hello again", conversation_id=chat["conversation"]["id"])

    assert turn["chat_session"]["id"] != old_id
    assert turn["chat_session"]["status"] == "active"
    assert turn["chat_session"]["message_count"] == 2
    assert turn["conversation"]["active_chat_session"] == turn["chat_session"]
    old = client.get(session_path(old_id), headers=bearer("alice")).json()
    assert (old["status"], old["message_count"]) == ("ended", 0)


def test_an_unknown_or_malformed_session_is_not_found(client: Client) -> None:
    for session_id in ("a4d3c2b1-0f9e-4d8c-b7a6-958473625140", "not-a-uuid"):
        for response in (
            client.get(session_path(session_id), headers=bearer("alice")),
            client.post(f"{session_path(session_id)}/end", headers=bearer("alice")),
        ):
            assert_problem(response, 404, "chat_session_not_found")
