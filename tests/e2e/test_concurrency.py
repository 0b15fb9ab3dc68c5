"""Requests at once: one test client's event loop serves many threads' requests concurrently."""

from concurrent.futures import ThreadPoolExecutor

import httpx

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    CountingAssistant,
    client_over,
    conversation_of,
    listed_ids,
    messages_of,
    send,
    started,
)
from entrypoints.settings import Settings


def test_concurrent_sends_to_one_conversation_get_gapless_sequences_and_every_reply(
    settings: Settings,
) -> None:
    assistant = CountingAssistant()
    with client_over(settings, assistant) as client:
        conversation_id = started(client, "alice")["conversation"]["id"]

        def post(n: int) -> httpx.Response:
            return send(client, "alice", f"message {n}", conversation_id=conversation_id)

        with ThreadPoolExecutor(20) as pool:
            responses = list(pool.map(post, range(20)))
        stored = messages_of(client, "alice", conversation_id, limit=200)["items"]
        conversation = conversation_of(client, "alice", conversation_id)

    assert [r.status_code for r in responses] == [201] * 20
    assert [m["sequence"] for m in stored] == list(range(1, 41))
    questions = {m["content"]: m["sequence"] for m in stored if m["role"] == "iso_agent"}
    answers = {m["content"]: m["sequence"] for m in stored if m["role"] == "ai_assistant"}
    assert sorted(questions) == sorted(f"message {n}" for n in range(20))
    assert sorted(answers) == sorted(f"Re: message {n}" for n in range(20))
    for question, sequence in questions.items():
        assert answers[f"Re: {question}"] > sequence
    assert conversation["message_count"] == 40
    assert conversation["active_chat_session"]["message_count"] == 40
    assert len({r.json()["chat_session"]["id"] for r in responses}) == 1
    assert assistant.calls == 20


def test_the_first_requests_of_a_new_agent_arriving_at_once_provision_it_once(
    client: Client,
) -> None:
    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(lambda n: send(client, "newcomer", f"hi {n}"), range(10)))

    assert [r.status_code for r in responses] == [201] * 10
    agents = {r.json()["user_message"]["sender_agent_id"] for r in responses}
    assert len(agents) == 1
    assert len(set(listed_ids(client, "newcomer"))) == 10


def test_agents_sending_at_once_each_see_only_their_own_conversation(client: Client) -> None:
    users = [f"user-{n}" for n in range(10)]

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(lambda user: send(client, user, f"I am {user}"), users))

    assert [r.status_code for r in responses] == [201] * 10
    for user, response in zip(users, responses, strict=True):
        conversation_id = response.json()["conversation"]["id"]
        assert listed_ids(client, user) == [conversation_id]
        contents = [m["content"] for m in messages_of(client, user, conversation_id)["items"]]
        assert contents == [f"I am {user}", f"Echo: I am {user}"]


def test_concurrent_renames_and_sends_leave_a_consistent_conversation(client: Client) -> None:
    conversation_id = started(client, "alice")["conversation"]["id"]
    path = f"/api/conversations/{conversation_id}"

    def act(n: int) -> httpx.Response:
        if n % 2:
            return client.patch(path, json={"title": f"title {n}"}, headers=bearer("alice"))
        return send(client, "alice", f"message {n}", conversation_id=conversation_id)

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(act, range(10)))

    assert [r.status_code for r in responses] == [201, 200] * 5
    conversation = conversation_of(client, "alice", conversation_id)
    assert conversation["title"] in {f"title {n}" for n in range(1, 10, 2)}
    assert conversation["message_count"] == 10
    stored = messages_of(client, "alice", conversation_id)["items"]
    assert [m["sequence"] for m in stored] == list(range(1, 11))
