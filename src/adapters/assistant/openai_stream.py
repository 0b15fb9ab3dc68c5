"""Reading a streamed chat completion: each piece of text handed on as soon as it arrives."""

import asyncio
import json

import httpx

from adapters.assistant.openai_wire import StreamedReply, reply_from
from adapters.assistant.sse import event_data
from application.ports.assistant import AssistantFailed, AssistantReply, PieceSink

DONE = "[DONE]"


async def hand_on_pieces(
    response: httpx.Response,
    reading: StreamedReply,
    on_piece: PieceSink,
    *,
    pace: asyncio.Timeout,
    read_timeout_s: float,
) -> None:
    """Reads the event stream of `response` into `reading`, giving each piece to `on_piece`.

    From the first piece on, `pace` is set to expire `read_timeout_s` after each chunk; it is
    held while `on_piece` works, so a slow receiver is not taken for a slow server. Stops at
    `data: [DONE]` or when the stream ends; raises `MalformedEventStream` or `AssistantFailed`
    for what is no chat-completion stream.
    """
    loop = asyncio.get_running_loop()
    async for data in event_data(response.aiter_bytes()):
        if data.strip() == DONE:
            reading.done = True
            return
        piece = reading.take(_chunk(data))
        if piece:
            pace.reschedule(None)
            await on_piece(piece)
        if reading.pieces:
            pace.reschedule(loop.time() + read_timeout_s)


async def whole_reply_of(response: httpx.Response, default_model: str) -> AssistantReply:
    """The reply of a server that ignored `"stream": true` and answered with one document."""
    try:
        document = json.loads(await response.aread())
    except ValueError:
        raise AssistantFailed("the assistant server answered malformed JSON") from None
    return reply_from(document, default_model)


def answers_whole(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("Content-Type", "")
    return content_type.partition(";")[0].strip().lower() == "application/json"


def _chunk(data: str) -> object:
    try:
        return json.loads(data)
    except ValueError:
        raise AssistantFailed("the assistant server sent a malformed stream chunk") from None
