"""A chat turn as server-sent events: user_message, delta..., then assistant_message or error."""

from collections.abc import AsyncIterator

import msgspec
import structlog
from litestar.response import ServerSentEventMessage

from adapters.http.presenters import chat_session_out, conversation_with, message_out
from adapters.http.problems import KINDS, problem_of, unexpected_problem
from adapters.http.schemas import Delta, UserMessageEvent
from application.errors import AssistantUnavailable
from application.use_cases.stream_message import (
    MessageAccepted,
    ReplyFailed,
    ReplyPiece,
    ReplyStored,
    TurnEvent,
)

EVENT_STREAM = "text/event-stream"
_log = structlog.get_logger("parley.http")


def wants_event_stream(accept: str | None) -> bool:
    return accept is not None and EVENT_STREAM in accept.lower()


async def turn_events(events: AsyncIterator[TurnEvent]) -> AsyncIterator[ServerSentEventMessage]:
    """The events of API.md's Streaming section, in order; a failure ends with `error`."""
    try:
        async for event in events:
            yield _message(event)
    except Exception:  # the stream has begun: the failure can only be told as an event
        _log.exception("stream_failed")
        problem = unexpected_problem()
        yield ServerSentEventMessage(event="error", data=msgspec.json.encode(problem).decode())


def _message(event: TurnEvent) -> ServerSentEventMessage:
    match event:
        case MessageAccepted(conversation, session, user_message):
            body: object = UserMessageEvent(
                conversation=conversation_with(conversation, session),
                chat_session=chat_session_out(session),
                user_message=message_out(user_message),
            )
            name = "user_message"
        case ReplyPiece(text):
            body, name = Delta(text=text), "delta"
        case ReplyStored(assistant_message):
            body, name = message_out(assistant_message), "assistant_message"
        case ReplyFailed(error):
            body, name = problem_of(error, KINDS[AssistantUnavailable]), "error"
    return ServerSentEventMessage(event=name, data=msgspec.json.encode(body).decode())
