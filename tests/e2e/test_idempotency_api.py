"""Idempotent sends: a `client_message_id` makes a retry answer what the first request stored."""

from concurrent.futures import ThreadPoolExecutor

from e2e.helpers import (
    BlockingAssistant,
    Client,
    CountingAssistant,
    FlakyAssistant,
    assert_problem,
    client_over,
    execute,
    messages_of,
    send,
    sent,
    started,
)
from entrypoints.settings import Settings


def test_a_retry_answers_200_with_the_same_messages_and_stores_nothing_new(
    client: Client,
) -> None:
    first = sent(client, "alice", "hello", client_message_id="k1")

    retry = send(client, "alice", "hello", client_message_id="k1")

    assert retry.status_code == 200
    again = retry.json()
    assert again["user_message"] == first["user_message"]
    assert again["assistant_message"] == first["assistant_message"]
    assert again["conversation"]["id"] == first["conversation"]["id"]
    assert again["conversation"]["message_count"] == 2
    assert again["chat_session"]["id"] == first["chat_session"]["id"]
    assert len(messages_of(client, "alice", first["conversation"]["id"])["items"]) == 2


def test_a_retry_naming_the_conversation_the_first_request_created_is_a_retry(
    client: Client,
) -> None:
    first = sent(client, "alice", "hello", client_message_id="k1")

    retry = send(
        client,
        "alice",
        "hello",
        client_message_id="k1",
        conversation_id=first["conversation"]["id"],
    )

    assert retry.status_code == 200
    assert retry.json()["assistant_message"]["id"] == first["assistant_message"]["id"]


def test_a_retry_into_an_existing_conversation_may_leave_the_conversation_out(
    client: Client,
) -> None:
    conversation_id = started(client, "alice")["conversation"]["id"]
    first = sent(client, "alice", "hello", client_message_id="k1", conversation_id=conversation_id)

    retry = send(client, "alice", "hello", client_message_id="k1")

    assert retry.status_code == 200
    assert retry.json()["user_message"]["id"] == first["user_message"]["id"]
    assert retry.json()["conversation"]["id"] == conversation_id


def test_a_retry_shows_the_conversation_as_it_is_now(client: Client) -> None:
    first = sent(client, "alice", "hello", client_message_id="k1")
    conversation_id = first["conversation"]["id"]
    sent(client, "alice", "later", conversation_id=conversation_id)

    retry = send(client, "alice", "hello", client_message_id="k1")

    assert retry.status_code == 200
    assert retry.json()["conversation"]["message_count"] == 4
    assert retry.json()["assistant_message"]["sequence"] == 2


def test_the_same_key_with_another_message_is_a_conflict(client: Client) -> None:
    first = sent(client, "alice", "hello", client_message_id="k1")

    response = send(client, "alice", "goodbye", client_message_id="k1")

    assert_problem(response, 409, "idempotency_conflict")
    assert len(messages_of(client, "alice", first["conversation"]["id"])["items"]) == 2


def test_the_same_key_with_another_conversation_is_a_conflict(client: Client) -> None:
    sent(client, "alice", "hello", client_message_id="k1")
    other = started(client, "alice")["conversation"]["id"]

    response = send(client, "alice", "hello", client_message_id="k1", conversation_id=other)

    assert_problem(response, 409, "idempotency_conflict")
    assert messages_of(client, "alice", other)["items"] == []


def test_keys_belong_to_their_agent_so_two_agents_may_use_the_same_one(client: Client) -> None:
    alice = sent(client, "alice", "hello", client_message_id="shared")
    bob = send(client, "bob", "something else", client_message_id="shared")

    assert bob.status_code == 201
    assert bob.json()["conversation"]["id"] != alice["conversation"]["id"]


def test_a_retry_while_the_first_request_is_answered_is_told_to_come_back_later(
    settings: Settings,
) -> None:
    assistant = BlockingAssistant()
    with client_over(settings, assistant) as client, ThreadPoolExecutor(1) as pool:
        first = pool.submit(send, client, "alice", "hello", client_message_id="k1")
        try:
            assert assistant.asked.wait(10)

            retry = send(client, "alice", "hello", client_message_id="k1")
        finally:
            assistant.release()
        answered = first.result(timeout=20)

    problem = assert_problem(retry, 409, "idempotency_in_progress")
    assert "client_message_id" in problem["detail"]
    assert int(retry.headers["Retry-After"]) >= 1
    assert answered.status_code == 201
    assert assistant.calls == 1


def test_once_the_first_request_is_answered_a_retry_gets_its_reply(settings: Settings) -> None:
    assistant = BlockingAssistant()
    with client_over(settings, assistant) as client, ThreadPoolExecutor(1) as pool:
        first = pool.submit(send, client, "alice", "hello", client_message_id="k1")
        assert assistant.asked.wait(10)
        refused = send(client, "alice", "hello", client_message_id="k1")
        assistant.release()
        answered = first.result(timeout=20).json()

        retry = send(client, "alice", "hello", client_message_id="k1")

    assert refused.status_code == 409
    assert retry.status_code == 200
    assert retry.json()["assistant_message"]["id"] == answered["assistant_message"]["id"]


def test_concurrent_retries_store_one_message_and_one_reply_and_ask_the_assistant_once(
    settings: Settings,
) -> None:
    assistant = CountingAssistant()
    with client_over(settings, assistant) as client, ThreadPoolExecutor(10) as pool:
        responses = list(
            pool.map(lambda _: send(client, "alice", "once", client_message_id="k1"), range(10))
        )
        final = send(client, "alice", "once", client_message_id="k1")
        assert final.status_code == 200
        conversation_id = final.json()["conversation"]["id"]
        stored = messages_of(client, "alice", conversation_id)["items"]
        listed = client.get("/api/conversations", headers=final.request.headers).json()

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 201, 409}
    assert statuses.count(201) == 1
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "idempotency_in_progress")
            assert "Retry-After" in response.headers
    answers = {
        (r.json()["user_message"]["id"], r.json()["assistant_message"]["id"])
        for r in responses
        if r.status_code in {200, 201}
    }
    assert answers == {
        (final.json()["user_message"]["id"], final.json()["assistant_message"]["id"])
    }
    assert [(m["sequence"], m["role"]) for m in stored] == [(1, "iso_agent"), (2, "ai_assistant")]
    assert len(listed["items"]) == 1
    assert assistant.calls == 1


def claimed(database_url: str, client_message_id: str, seconds_ago: int) -> None:
    """Mark the send of `client_message_id` as claimed `seconds_ago`, as a crashed server would
    have left it."""
    touched = execute(
        database_url,
        "UPDATE idempotency_keys SET claimed_at = now() - make_interval(secs => %s)"
        " WHERE client_message_id = %s",
        (seconds_ago, client_message_id),
    )
    assert touched == 1


def test_a_send_left_in_progress_by_a_crashed_server_is_refused_until_the_timeout(
    settings: Settings, clean_database: str
) -> None:
    with client_over(settings, FlakyAssistant(failures=1)) as client:
        failed = send(client, "alice", "hello", client_message_id="k1")
        assert failed.status_code == 502
        claimed(clean_database, "k1", seconds_ago=0)

        retry = send(client, "alice", "hello", client_message_id="k1")
        stored = messages_of(client, "alice", failed.json()["conversation_id"])["items"]

    assert_problem(retry, 409, "idempotency_in_progress")
    assert int(retry.headers["Retry-After"]) >= 1
    assert [m["sequence"] for m in stored] == [1]


def test_a_send_left_in_progress_longer_than_the_timeout_is_completed_by_a_retry(
    settings: Settings, clean_database: str
) -> None:
    with client_over(settings, FlakyAssistant(failures=1), assistant_timeout_s=5) as client:
        failed = send(client, "alice", "hello", client_message_id="k1")
        assert failed.status_code == 502
        claimed(clean_database, "k1", seconds_ago=60)

        retry = send(client, "alice", "hello", client_message_id="k1")
        stored = messages_of(client, "alice", failed.json()["conversation_id"])["items"]

    assert retry.status_code == 201
    assert retry.json()["user_message"] == failed.json()["user_message"]
    assert [m["sequence"] for m in stored] == [1, 2]
