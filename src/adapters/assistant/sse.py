"""Server-sent events: the `data` of each event in a byte stream, as soon as it is complete."""

import re
from collections.abc import AsyncIterable, AsyncIterator

MAX_LINE_BYTES = 1 << 20
_END_OF_LINE = re.compile(rb"\r\n|\r|\n")
_BOM = "\ufeff"


class MalformedEventStream(ValueError):
    """The bytes are no event stream: a line longer than `MAX_LINE_BYTES`."""


async def event_data(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """The data of every event in `chunks`, in order, each yielded when its blank line arrives.

    Follows the HTML event-stream rules: lines end with CRLF, LF or CR (and nothing else, so
    a U+2028 inside JSON is no line break); `data` lines of one event are joined with "\\n";
    comments and other fields (`event`, `id`, `retry`) are skipped; an event left without
    its blank line when the stream ends is dropped.
    """
    data: list[str] = []
    async for line in _lines(chunks):
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        name, colon, value = line.partition(":")
        if not name and colon:
            continue
        if name == "data":
            data.append(value.removeprefix(" "))


async def _lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    pending = b""
    after_cr = False
    first = True
    async for chunk in chunks:
        if not chunk:
            continue
        pending += chunk[1:] if after_cr and chunk.startswith(b"\n") else chunk
        after_cr = False
        while (end := _END_OF_LINE.search(pending)) is not None:
            line, pending = pending[: end.start()], pending[end.end() :]
            after_cr = end.group() == b"\r" and not pending
            text = line.decode("utf-8", errors="replace")
            if first:
                text, first = text.removeprefix(_BOM), False
            yield text
        if len(pending) > MAX_LINE_BYTES:
            raise MalformedEventStream(f"an event-stream line is longer than {MAX_LINE_BYTES}")
