"""Event-stream framing: events come out whole, whatever the line endings and the chunking."""

import asyncio
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.assistant.sse import MAX_LINE_BYTES, MalformedEventStream, event_data


async def _as_chunks(chunks: list[bytes]):
    for chunk in chunks:
        yield chunk


async def events_of(*chunks: bytes) -> list[str]:
    return [data async for data in event_data(_as_chunks(list(chunks)))]


STREAM = (
    b": a comment\n"
    b"event: message\nid: 7\nretry: 100\n"
    b'data: {"a": 1}\n\n'
    b'data:{"b": "\xe2\x80\xa8 stays inside"}\r\n\r\n'
    b"data: first line\rdata: second line\r\r"
    b"data: [DONE]\n\n"
)
EVENTS = ['{"a": 1}', '{"b": "\u2028 stays inside"}', "first line\nsecond line", "[DONE]"]


async def test_fields_comments_and_line_endings_are_read_as_the_spec_says():
    assert await events_of(STREAM) == EVENTS


@given(st.sets(st.integers(min_value=1, max_value=len(STREAM) - 1)))
def test_any_split_of_the_bytes_gives_the_same_events(cuts):
    bounds = [0, *sorted(cuts), len(STREAM)]
    chunks = [STREAM[start:end] for start, end in itertools.pairwise(bounds)]

    assert asyncio.run(events_of(*chunks)) == EVENTS


async def test_a_carriage_return_then_a_line_feed_in_the_next_chunk_ends_one_line():
    assert await events_of(b"data: one\r", b"\n\r", b"\ndata: two\n\n") == ["one", "two"]


async def test_an_event_is_yielded_as_soon_as_its_blank_line_arrives():
    """The second chunk comes only after the first event was read: buffering would hang."""
    release = asyncio.Event()

    async def chunks():
        yield b"data: early\n\n"
        await release.wait()
        yield b"data: late\n\n"

    events = event_data(chunks())
    async with asyncio.timeout(2):
        assert await anext(events) == "early"
    release.set()

    assert [data async for data in events] == ["late"]


async def test_an_event_without_its_blank_line_at_the_end_is_dropped():
    assert await events_of(b"data: whole\n\ndata: cut of") == ["whole"]


async def test_a_byte_order_mark_at_the_start_is_ignored():
    assert await events_of(b"\xef\xbb\xbfdata: x\n\n") == ["x"]


async def test_a_line_longer_than_the_limit_is_refused():
    with pytest.raises(MalformedEventStream):
        await events_of(b"data: " + b"x" * (MAX_LINE_BYTES + 1))
