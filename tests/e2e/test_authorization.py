"""Another agent's conversations and sessions do not exist for the caller: 404, never 403."""

import httpx
import pytest

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    Json,
    assert_problem,
    conversation_of,
    listed_ids,
    messages_of,
    send,
    sent,
)

UNKNOWN_ID = "3f6a1e0c-9b2d-4c5e-8f7a-1b2c3d4e5f60"


@pytest.fixture
def alices(client: Client) -> Json:
    """A turn of alice's, in a conversation of her own."""
    turn = sent(client, "alice", "private words", client_message_id="alice-1")
    client.patch(
        f"/api/conversations/{turn['conversation']['id']}",
        json={"title": "alice's secrets"},
        headers=bearer("alice"),
    )
    return turn


def conversation_requests(client: Client, user: str, conversation_id: str) -> list[httpx.Response]:
    """Every route that names a conversation, as `user`."""
    path = f"/api/conversations/{conversation_id}"
    headers = bearer(user)
    return [
        client.get(path, headers=headers),
        client.patch(path, json={"title": "taken over"}, headers=headers),
        client.patch(path, json={"status": "archived"}, headers=headers),
        client.get(f"{path}/messages", headers=headers),
        client.get(f"{path}/messages", params={"after": 0}, headers=headers),
        client.post(f"{path}/reply", headers=headers),
        send(client, user, "let me in", conversation_id=conversation_id),
    ]


def session_requests(client: Client, user: str, session_id: str) -> list[httpx.Response]:
    path = f"/api/chat-sessions/{session_id}"
    return [
        client.get(path, headers=bearer(user)),
        client.post(f"{path}/end", headers=bearer(user)),
    ]


def test_every_conversation_route_answers_another_agent_as_if_it_did_not_exist(
    client: Client, alices: Json
) -> None:
    conversation_id = alices["conversation"]["id"]

    theirs = conversation_requests(client, "bob", conversation_id)
    unknown = conversation_requests(client, "bob", UNKNOWN_ID)

    for refused, missing in zip(theirs, unknown, strict=True):
        problem = assert_problem(refused, 404, "conversation_not_found")
        absent = assert_problem(missing, 404, "conversation_not_found")
        assert problem["detail"].replace(conversation_id, "ID") == absent["detail"].replace(
            UNKNOWN_ID, "ID"
        )


def test_another_agents_attempts_leave_the_conversation_untouched(
    client: Client, alices: Json
) -> None:
    conversation_id = alices["conversation"]["id"]

    conversation_requests(client, "bob", conversation_id)

    conversation = conversation_of(client, "alice", conversation_id)
    assert conversation["title"] == "alice's secrets"
    assert conversation["status"] == "active"
    assert conversation["message_count"] == 2
    assert len(conversation["participants"]) == 2
    contents = [m["content"] for m in messages_of(client, "alice", conversation_id)["items"]]
    assert contents == ["private words", "Echo: private words"]


def test_every_session_route_answers_another_agent_as_if_it_did_not_exist(
    client: Client, alices: Json
) -> None:
    session_id = alices["chat_session"]["id"]

    for response in session_requests(client, "bob", session_id):
        assert_problem(response, 404, "chat_session_not_found")

    mine = client.get(f"/api/chat-sessions/{session_id}", headers=bearer("alice")).json()
    assert mine["status"] == "active"


def test_another_agent_never_sees_the_conversation_in_any_list(
    client: Client, alices: Json
) -> None:
    bobs = sent(client, "bob", "my own")["conversation"]["id"]
    archived = sent(client, "alice", "to archive")["conversation"]["id"]
    client.patch(
        f"/api/conversations/{archived}", json={"status": "archived"}, headers=bearer("alice")
    )

    for status in ("active", "archived", "all"):
        seen = listed_ids(client, "bob", status=status)
        assert alices["conversation"]["id"] not in seen
        assert archived not in seen
    assert listed_ids(client, "bob", status="all") == [bobs]


def test_another_agents_client_message_id_neither_conflicts_nor_reveals_anything(
    client: Client, alices: Json
) -> None:
    response = send(
        client,
        "bob",
        "private words",
        client_message_id="alice-1",
        conversation_id=alices["conversation"]["id"],
    )

    assert_problem(response, 404, "conversation_not_found")
    own = send(client, "bob", "private words", client_message_id="alice-1")
    assert own.status_code == 201
    assert own.json()["conversation"]["id"] != alices["conversation"]["id"]
