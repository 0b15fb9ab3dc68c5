"""502 `assistant_unavailable`: the caller's message is kept, and a later reply completes it."""

from e2e.conftest import bearer
from e2e.helpers import (
    FlakyAssistant,
    SlowAssistant,
    assert_message,
    assert_problem,
    client_over,
    messages_of,
    send,
)
from entrypoints.settings import Settings


def test_a_failing_assistant_answers_502_with_the_stored_message_and_its_conversation(
    settings: Settings,
) -> None:
    with client_over(settings, FlakyAssistant()) as client:
        response = send(client, "alice", "are you there?", client_message_id="k1")
        problem = assert_problem(response, 502, "assistant_unavailable")
        stored = messages_of(client, "alice", problem["conversation_id"])["items"]

    assert_message(problem["user_message"])
    assert problem["user_message"]["content"] == "are you there?"
    assert problem["user_message"]["sequence"] == 1
    assert problem["user_message"]["client_message_id"] == "k1"
    assert problem["user_message"]["conversation_id"] == problem["conversation_id"]
    assert stored == [problem["user_message"]]


def test_an_assistant_that_does_not_answer_in_time_is_a_502(settings: Settings) -> None:
    with client_over(settings, SlowAssistant(5), assistant_timeout_s=0.2) as client:
        response = send(client, "alice", "slow question")
        problem = assert_problem(response, 502, "assistant_unavailable")
        stored = messages_of(client, "alice", problem["conversation_id"])["items"]

    assert [m["content"] for m in stored] == ["slow question"]


def test_a_reply_after_a_502_completes_the_send_and_its_retry_returns_that_reply(
    settings: Settings,
) -> None:
    assistant = FlakyAssistant(failures=1)
    with client_over(settings, assistant) as client:
        failed = assert_problem(
            send(client, "alice", "hello", client_message_id="k1"), 502, "assistant_unavailable"
        )
        conversation_id = failed["conversation_id"]

        replied = client.post(
            f"/api/conversations/{conversation_id}/reply", headers=bearer("alice")
        )
        retry = send(client, "alice", "hello", client_message_id="k1")
        stored = messages_of(client, "alice", conversation_id)["items"]

    assert replied.status_code == 201
    reply = replied.json()["assistant_message"]
    assert reply["sequence"] == 2
    assert reply["content"] == "Re: hello"
    assert retry.status_code == 200
    assert retry.json()["user_message"] == failed["user_message"]
    assert retry.json()["assistant_message"] == reply
    assert [m["id"] for m in stored] == [failed["user_message"]["id"], reply["id"]]
    assert assistant.calls == 2


def test_a_retry_after_a_502_completes_the_reply_without_storing_the_message_again(
    settings: Settings,
) -> None:
    assistant = FlakyAssistant(failures=1)
    with client_over(settings, assistant) as client:
        failed = assert_problem(
            send(client, "alice", "hello", client_message_id="k1"), 502, "assistant_unavailable"
        )

        retry = send(client, "alice", "hello", client_message_id="k1")
        again = send(client, "alice", "hello", client_message_id="k1")
        stored = messages_of(client, "alice", failed["conversation_id"])["items"]

    assert retry.status_code == 201
    turn = retry.json()
    assert turn["user_message"] == failed["user_message"]
    assert turn["assistant_message"]["sequence"] == 2
    assert turn["conversation"]["message_count"] == 2
    assert again.status_code == 200
    assert again.json()["assistant_message"]["id"] == turn["assistant_message"]["id"]
    assert [m["sequence"] for m in stored] == [1, 2]


def test_a_reply_that_fails_answers_502_naming_the_latest_message(settings: Settings) -> None:
    assistant = FlakyAssistant(failures=2)
    with client_over(settings, assistant) as client:
        failed = assert_problem(send(client, "alice", "first try"), 502, "assistant_unavailable")

        response = client.post(
            f"/api/conversations/{failed['conversation_id']}/reply", headers=bearer("alice")
        )
        stored = messages_of(client, "alice", failed["conversation_id"])["items"]

    problem = assert_problem(response, 502, "assistant_unavailable")
    assert problem["conversation_id"] == failed["conversation_id"]
    assert problem["user_message"] == failed["user_message"]
    assert stored == [failed["user_message"]]
