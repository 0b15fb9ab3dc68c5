"""Streamed replies: pieces handed on as they arrive, and broken or silent streams refused."""

import asyncio
import threading

import pytest

from application.ports.assistant import AssistantFailed
from unit.assistant.fake_openai import Malformed, Reply

TEST_MODEL = "parley-test-model"


async def test_pieces_arrive_in_order_and_join_into_the_returned_reply(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(Reply(pieces=("The ", "capital ", "is ", "Paris", ".")))

    reply = await assistant.stream(question, pieces)

    assert pieces.received == ["The ", "capital ", "is ", "Paris", "."]
    assert reply.content == "The capital is Paris."


async def test_a_streamed_reply_carries_model_finish_reason_and_the_usage_chunk(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(Reply("Paris.", model="served-model-7", finish_reason="stop", usage=(40, 3)))

    reply = await assistant.stream(question, pieces)

    assert reply.generation.model == "served-model-7"
    assert reply.generation.finish_reason == "stop"
    assert (reply.generation.prompt_tokens, reply.generation.completion_tokens) == (40, 3)
    assert reply.generation.latency_ms is None


async def test_the_stream_request_asks_for_a_stream_with_usage(
    assistant, fake_openai, question, pieces
):
    await assistant.stream(question, pieces)

    body = fake_openai.calls[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == TEST_MODEL


async def test_a_piece_is_handed_on_before_the_server_has_finished_sending(
    assistant, fake_openai, question
):
    """The server holds the rest of the reply until the test has seen the first piece."""
    first_piece_seen = threading.Event()
    fake_openai.plan(Reply(pieces=("first ", "second"), gate=first_piece_seen))
    received: list[str] = []

    async def on_piece(piece: str) -> None:
        received.append(piece)
        first_piece_seen.set()

    async with asyncio.timeout(4):
        reply = await assistant.stream(question, on_piece)

    assert received == ["first ", "second"]
    assert reply.content == "first second"


async def test_a_stream_that_breaks_off_after_a_piece_fails_and_is_not_tried_again(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(Reply(pieces=("one ", "two ", "three"), ending="cut", pieces_before_end=1))

    with pytest.raises(AssistantFailed, match="broke off"):
        await assistant.stream(question, pieces)

    assert pieces.received == ["one "]
    assert fake_openai.call_count == 1


async def test_a_stream_that_ends_without_finish_reason_or_done_fails(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(
        Reply(pieces=("one ", "two"), ending="end_without_finish", pieces_before_end=2)
    )

    with pytest.raises(AssistantFailed, match="ended before the reply was complete"):
        await assistant.stream(question, pieces)

    assert fake_openai.call_count == 1


async def test_a_stream_with_a_finish_reason_but_no_done_is_complete(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(Reply("All here.", ending="finish_without_done"))

    reply = await assistant.stream(question, pieces)

    assert reply.content == "All here."
    assert reply.generation.finish_reason == "stop"


async def test_a_first_piece_slower_than_the_first_token_timeout_fails(
    assistant_with, fake_openai, question, pieces
):
    fake_openai.plan(Reply("Too late.", first_token_delay_s=5))
    assistant = assistant_with(first_token_timeout_s=0.2)

    async with asyncio.timeout(3):
        with pytest.raises(AssistantFailed, match=r"no text within 0\.2s"):
            await assistant.stream(question, pieces)

    assert pieces.received == []
    assert fake_openai.call_count == 1


async def test_a_stream_that_stalls_between_chunks_fails(
    assistant_with, fake_openai, question, pieces
):
    fake_openai.plan(Reply(pieces=("quick ", "then silence"), chunk_delay_s=5))
    assistant = assistant_with(read_timeout_s=0.2)

    async with asyncio.timeout(3):
        with pytest.raises(AssistantFailed, match=r"stalled for 0\.2s"):
            await assistant.stream(question, pieces)

    assert pieces.received == ["quick "]


async def test_a_slow_receiver_is_not_taken_for_a_stalled_stream(
    assistant_with, fake_openai, question
):
    fake_openai.plan(Reply(pieces=("slowly ", "read")))
    assistant = assistant_with(read_timeout_s=0.05)
    received: list[str] = []

    async def slow_receiver(piece: str) -> None:
        await asyncio.sleep(0.15)
        received.append(piece)

    reply = await assistant.stream(question, slow_receiver)

    assert received == ["slowly ", "read"]
    assert reply.content == "slowly read"


async def test_a_malformed_stream_chunk_fails(assistant, fake_openai, question, pieces):
    fake_openai.plan(Malformed('{"choices": [{"delta": '))

    with pytest.raises(AssistantFailed, match="malformed stream chunk"):
        await assistant.stream(question, pieces)


async def test_a_stream_without_any_text_fails(assistant, fake_openai, question, pieces):
    fake_openai.plan(Reply(pieces=()))

    with pytest.raises(AssistantFailed, match="empty reply"):
        await assistant.stream(question, pieces)

    assert pieces.received == []


async def test_a_server_that_ignores_the_stream_request_is_handed_on_in_one_piece(
    assistant, fake_openai, question, pieces
):
    fake_openai.plan(Reply("The whole answer at once.", ignores_stream=True))

    reply = await assistant.stream(question, pieces)

    assert pieces.received == ["The whole answer at once."]
    assert reply.content == "The whole answer at once."


async def test_an_error_raised_by_the_receiver_reaches_the_caller_unchanged(
    assistant, fake_openai, question
):
    class ReceiverGone(Exception):
        pass

    async def gone(piece: str) -> None:
        raise ReceiverGone(piece)

    with pytest.raises(ReceiverGone):
        await assistant.stream(question, gone)

    assert fake_openai.call_count == 1
