"""Whole replies: what is asked of the server, and how its answer becomes an `AssistantReply`."""

import asyncio

import pytest

from adapters.assistant.openai import DEFAULT_SYSTEM_PROMPT
from application.ports.assistant import AssistantFailed
from unit.assistant.fake_openai import Malformed, Reply

TEST_MODEL = "parley-test-model"


async def test_a_whole_reply_carries_the_content_model_finish_reason_and_usage(
    assistant, fake_openai, question
):
    fake_openai.plan(Reply("Paris.", model="served-model-7", finish_reason="length", usage=(30, 2)))

    reply = await assistant.reply(question)

    assert reply.content == "Paris."
    assert reply.generation.model == "served-model-7"
    assert reply.generation.finish_reason == "length"
    assert (reply.generation.prompt_tokens, reply.generation.completion_tokens) == (30, 2)


async def test_the_latency_is_left_for_the_use_case_to_measure(assistant, question):
    reply = await assistant.reply(question)

    assert reply.generation.latency_ms is None


async def test_a_reply_without_model_or_usage_names_the_configured_model(
    assistant, fake_openai, question
):
    fake_openai.plan(Reply("Paris.", model="", usage=None))

    reply = await assistant.reply(question)

    assert reply.generation.model == TEST_MODEL
    assert reply.generation.prompt_tokens is None
    assert reply.generation.completion_tokens is None


async def test_the_request_names_the_model_and_the_messages_and_asks_for_no_stream(
    assistant, fake_openai, question
):
    await assistant.reply(question)

    [call] = fake_openai.calls
    assert call.path == "/v1/chat/completions"
    assert call.headers["content-type"] == "application/json"
    assert call.body == {
        "model": TEST_MODEL,
        "messages": [
            {"role": "system", "content": DEFAULT_SYSTEM_PROMPT},
            {"role": "user", "content": "What is the capital of France?"},
        ],
        "stream": False,
    }


async def test_a_base_url_with_a_trailing_slash_reaches_the_same_route(
    assistant_with, fake_openai, question
):
    await assistant_with(base_url=fake_openai.base_url + "/").reply(question)

    assert [call.path for call in fake_openai.calls] == ["/v1/chat/completions"]


async def test_an_api_key_is_sent_as_a_bearer_token(assistant_with, fake_openai, question):
    await assistant_with(api_key="sk-test-123").reply(question)

    assert fake_openai.calls[0].headers["authorization"] == "Bearer sk-test-123"


async def test_without_an_api_key_no_authorization_header_is_sent(assistant, fake_openai, question):
    await assistant.reply(question)

    assert "authorization" not in fake_openai.calls[0].headers


async def test_an_answer_that_is_not_json_fails_the_reply(assistant, fake_openai, question):
    fake_openai.plan(Malformed("{this is not json"))

    with pytest.raises(AssistantFailed, match="malformed JSON"):
        await assistant.reply(question)


@pytest.mark.parametrize(
    "body",
    ['{"choices": []}', '["a list"]', '{"choices": [{"message": {"content": null}}]}'],
)
async def test_an_answer_that_is_no_chat_completion_fails_the_reply(
    assistant, fake_openai, question, body
):
    fake_openai.plan(Malformed(body))

    with pytest.raises(AssistantFailed):
        await assistant.reply(question)


async def test_an_error_document_sent_with_200_fails_the_reply(assistant, fake_openai, question):
    fake_openai.plan(Malformed('{"error": {"message": "model overloaded"}}'))

    with pytest.raises(AssistantFailed, match="reported an error"):
        await assistant.reply(question)


@pytest.mark.parametrize("content", ["", "  \n "])
async def test_an_empty_reply_fails(assistant, fake_openai, question, content):
    fake_openai.plan(Reply(content))

    with pytest.raises(AssistantFailed, match="empty reply"):
        await assistant.reply(question)


async def test_a_whole_answer_slower_than_first_token_and_read_timeouts_fails(
    assistant_with, fake_openai, question
):
    fake_openai.plan(Reply("Too late.", first_token_delay_s=5))
    assistant = assistant_with(first_token_timeout_s=0.2, read_timeout_s=0.2)

    async with asyncio.timeout(3):
        with pytest.raises(AssistantFailed, match=r"no answer within 0\.4s"):
            await assistant.reply(question)
    assert fake_openai.call_count == 1
