"""Failed attempts: which are tried again, how often, after how long, and what is reported."""

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters.assistant.openai import OpenAICompatibleAssistant, OpenAIConfig
from application.ports.assistant import AssistantFailed
from unit.assistant.fake_openai import Malformed, Refusal, Reply, closed_port_url

API_KEY = "sk-very-secret-key-0123456789"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_passing_server_error_or_rate_limit_is_tried_again(
    assistant, fake_openai, question, status
):
    fake_openai.plan(Refusal(status), Reply("Back again."))

    reply = await assistant.reply(question)

    assert reply.content == "Back again."
    assert fake_openai.call_count == 2


async def test_up_to_max_retries_further_attempts_are_made(assistant_with, fake_openai, question):
    fake_openai.plan(Refusal(503), Refusal(500), Reply("Third time lucky."))

    reply = await assistant_with(max_retries=2).reply(question)

    assert reply.content == "Third time lucky."
    assert fake_openai.call_count == 3


async def test_a_server_that_keeps_failing_fails_the_reply_after_the_last_retry(
    assistant_with, fake_openai, question
):
    fake_openai.default = Refusal(500)

    with pytest.raises(AssistantFailed, match=r"answered 500 \(3 attempts\)"):
        await assistant_with(max_retries=2).reply(question)

    assert fake_openai.call_count == 3


async def test_with_no_retries_a_failure_is_final(assistant_with, fake_openai, question):
    fake_openai.default = Refusal(503)

    with pytest.raises(AssistantFailed):
        await assistant_with(max_retries=0).reply(question)

    assert fake_openai.call_count == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_a_client_error_is_not_tried_again(assistant, fake_openai, question, status):
    fake_openai.default = Refusal(status)

    with pytest.raises(AssistantFailed, match=f"answered {status}"):
        await assistant.reply(question)

    assert fake_openai.call_count == 1


async def test_retry_after_sets_the_wait_before_the_next_attempt(
    assistant_with, fake_openai, question, sleeps
):
    fake_openai.plan(Refusal(429, retry_after="2"), Reply())

    await assistant_with(max_retry_after_s=5).reply(question)

    assert sleeps.delays == [2.0]


async def test_a_retry_after_longer_than_the_cap_is_cut_to_the_cap(
    assistant_with, fake_openai, question, sleeps
):
    fake_openai.plan(Refusal(429, retry_after="3600"), Reply())

    await assistant_with(max_retry_after_s=0.05).reply(question)

    assert sleeps.delays == [0.05]


async def test_a_retry_after_given_as_a_date_is_honoured_up_to_the_cap(
    assistant_with, fake_openai, question, sleeps
):
    in_an_hour = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    fake_openai.plan(Refusal(503, retry_after=in_an_hour), Reply())

    await assistant_with(max_retry_after_s=0.05).reply(question)

    assert sleeps.delays == [0.05]


async def test_without_retry_after_the_wait_doubles_with_some_jitter(
    assistant_with, fake_openai, question, sleeps
):
    fake_openai.plan(Refusal(500), Refusal(500), Refusal(500), Reply())

    await assistant_with(max_retries=3, backoff_s=0.01).reply(question)

    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays):
        base = 0.01 * 2**attempt
        assert base <= delay <= 2 * base


async def test_the_waits_really_pass_with_the_default_sleep(http_client, fake_openai, question):
    config = OpenAIConfig(fake_openai.base_url, "parley-test-model", backoff_s=0.01)
    assistant = OpenAICompatibleAssistant(http_client, config)
    fake_openai.plan(Refusal(503), Reply("Made it."))

    async with asyncio.timeout(3):
        reply = await assistant.reply(question)

    assert reply.content == "Made it."


async def test_a_refused_connection_is_tried_again_then_fails_the_reply(
    http_client, question, sleeps
):
    config = OpenAIConfig(closed_port_url(), "parley-test-model", max_retries=2, backoff_s=0.01)
    assistant = OpenAICompatibleAssistant(http_client, config, sleep=sleeps)

    with pytest.raises(AssistantFailed, match=r"could not reach .*\(3 attempts\)"):
        await assistant.reply(question)

    assert len(sleeps.delays) == 2


async def test_a_refused_connection_fails_a_stream_too(http_client, question, sleeps, pieces):
    config = OpenAIConfig(closed_port_url(), "parley-test-model", max_retries=1, backoff_s=0.01)
    assistant = OpenAICompatibleAssistant(http_client, config, sleep=sleeps)

    with pytest.raises(AssistantFailed, match=r"\(2 attempts\)"):
        await assistant.stream(question, pieces)

    assert pieces.received == []


async def test_a_stream_refused_before_any_piece_is_tried_again(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(Refusal(503), Reply(pieces=("fresh ", "start")))

    reply = await assistant.stream(question, pieces)

    assert pieces.received == ["fresh ", "start"]
    assert reply.content == "fresh start"
    assert fake_openai.call_count == 2


async def test_a_stream_is_never_tried_again_once_a_piece_was_handed_on(
    assistant_with, fake_openai, question, pieces
):
    fake_openai.default = Reply(pieces=("half ", "a ", "reply"), ending="cut", pieces_before_end=2)

    with pytest.raises(AssistantFailed):
        await assistant_with(max_retries=5).stream(question, pieces)

    assert fake_openai.call_count == 1
    assert pieces.received == ["half ", "a "]


async def test_a_malformed_answer_is_not_tried_again(assistant, fake_openai, question):
    fake_openai.default = Malformed("<html>gateway</html>")

    with pytest.raises(AssistantFailed):
        await assistant.reply(question)

    assert fake_openai.call_count == 1


async def test_the_api_key_is_never_repr_of_the_config(fake_openai):
    config = OpenAIConfig(fake_openai.base_url, "parley-test-model", api_key=API_KEY)

    assert API_KEY not in repr(config)


@pytest.mark.parametrize(
    "answer",
    [Refusal(401, message=f"Incorrect API key provided: {API_KEY}"), Refusal(500), Malformed()],
    ids=["unauthorized", "server-error", "malformed"],
)
async def test_the_api_key_never_appears_in_a_failure(
    assistant_with, fake_openai, question, answer
):
    fake_openai.default = answer

    with pytest.raises(AssistantFailed) as failure:
        await assistant_with(api_key=API_KEY).reply(question)

    assert fake_openai.calls[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in str(failure.value)
    assert API_KEY not in repr(failure.value)


async def test_the_api_key_never_appears_when_the_server_cannot_be_reached(
    http_client, question, sleeps
):
    config = OpenAIConfig(closed_port_url(), "parley-test-model", api_key=API_KEY)
    assistant = OpenAICompatibleAssistant(http_client, config, sleep=sleeps)

    with pytest.raises(AssistantFailed) as failure:
        await assistant.reply(question)

    assert isinstance(failure.value.__cause__, Exception)
    assert API_KEY not in str(failure.value)


async def test_the_injected_client_is_left_open_for_its_owner(http_client, assistant, question):
    await assistant.reply(question)

    assert not http_client.is_closed
    assert isinstance(http_client, httpx.AsyncClient)
