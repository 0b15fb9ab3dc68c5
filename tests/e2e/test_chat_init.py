"""`POST /api/chat/init`: a new, empty chat with both its members and the caller's session."""

import pytest

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    agent_id_in,
    assert_chat_session,
    assert_conversation,
    assert_problem,
    conversation_of,
    listed_ids,
    messages_of,
    started,
)


def test_a_new_chat_is_an_empty_conversation_with_an_agent_an_ai_and_a_session(
    client: Client,
) -> None:
    response = client.post("/api/chat/init", headers=bearer("alice"))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"conversation", "chat_session"}
    conversation, session = body["conversation"], body["chat_session"]
    assert_conversation(conversation)
    assert_chat_session(session)
    assert conversation["title"] is None
    assert conversation["status"] == "active"
    assert conversation["message_count"] == 0
    assert conversation["last_message_at"] is None
    participants = {p["role"]: p for p in conversation["participants"]}
    assert len(conversation["participants"]) == 2
    assert participants["iso_agent"]["is_active"] is True
    assert participants["iso_agent"]["can_reply"] is True
    assert participants["ai_assistant"]["agent_id"] is None
    assert session["status"] == "active"
    assert session["message_count"] == 0
    assert session["conversation_id"] == conversation["id"]
    assert session["agent_id"] == agent_id_in(conversation)
    assert conversation["active_chat_session"] == session


def test_a_new_chat_takes_the_title_it_is_given(client: Client) -> None:
    body = started(client, "alice", title="Trip to Lisbon")

    assert body["conversation"]["title"] == "Trip to Lisbon"
    assert conversation_of(client, "alice", body["conversation"]["id"])["title"] == "Trip to Lisbon"


def test_a_new_chat_is_stored_listed_and_has_no_messages(client: Client) -> None:
    conversation = started(client, "alice")["conversation"]

    assert listed_ids(client, "alice") == [conversation["id"]]
    assert conversation_of(client, "alice", conversation["id"]) == conversation
    page = messages_of(client, "alice", conversation["id"])
    assert page == {"items": [], "has_more": False}


def test_an_empty_json_object_starts_an_untitled_chat(client: Client) -> None:
    assert started(client, "alice")["conversation"]["title"] is None


def test_two_agents_starting_chats_each_become_the_member_of_their_own(client: Client) -> None:
    alice = started(client, "alice")["conversation"]
    bob = started(client, "bob")["conversation"]

    assert alice["id"] != bob["id"]
    assert agent_id_in(alice) != agent_id_in(bob)


INVALID_BODIES: dict[str, dict[str, object]] = {
    "empty title": {"title": ""},
    "title too long": {"title": "x" * 201},
    "title with U+0000": {"title": "nul \u0000 inside"},
    "title not a string": {"title": 42},
    "unknown status field": {"title": "fine", "status": "archived"},
    "client-chosen id": {"id": "7f1c3c9e-2f8e-4f42-9a55-2b1f5d0c7e11"},
    "client-chosen participants": {"participants": []},
}


def test_a_new_chat_with_a_body_that_does_not_validate_is_refused(
    client: Client, subtests: pytest.Subtests
) -> None:
    for case, body in INVALID_BODIES.items():
        with subtests.test(case):
            response = client.post("/api/chat/init", json=body, headers=bearer("alice"))

            assert_problem(response, 400, "invalid_request")
            assert listed_ids(client, "alice", status="all") == []


def test_a_title_of_exactly_two_hundred_characters_is_accepted(client: Client) -> None:
    assert started(client, "alice", title="t" * 200)["conversation"]["title"] == "t" * 200
