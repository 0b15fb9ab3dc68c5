"""Sending a message with the assistant's reply streamed as it is made.

The reply is made and stored by a background task, so a caller that stops listening loses
nothing: its message is already stored, and the reply is completed and stored anyway.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from application.context import UseCaseContext
from application.errors import AssistantUnavailable
from application.principal import Principal
from application.use_cases.send_message import (
    AcceptedMessage,
    ChatTurn,
    SendMessage,
    accept_message,
    answer,
)
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.message import Message


@dataclass(frozen=True, slots=True)
class MessageAccepted:
    conversation: Conversation
    chat_session: ChatSession
    user_message: Message


@dataclass(frozen=True, slots=True)
class ReplyPiece:
    text: str


@dataclass(frozen=True, slots=True)
class ReplyStored:
    assistant_message: Message


@dataclass(frozen=True, slots=True)
class ReplyFailed:
    error: AssistantUnavailable


TurnEvent = MessageAccepted | ReplyPiece | ReplyStored | ReplyFailed


async def stream_message(
    context: UseCaseContext, principal: Principal, command: SendMessage
) -> AsyncIterator[TurnEvent]:
    """Store the caller's message, then stream the turn: `MessageAccepted`, `ReplyPiece`s, and
    `ReplyStored` or `ReplyFailed`. A retry of a finished turn streams no pieces.

    Raises before streaming what `send_message` raises before asking the assistant.
    """
    accepted = await accept_message(context, principal, command)
    if isinstance(accepted, ChatTurn):
        return _replayed(accepted)
    return _answered(context, accepted, command)


async def _replayed(turn: ChatTurn) -> AsyncIterator[TurnEvent]:
    yield MessageAccepted(turn.conversation, turn.chat_session, turn.user_message)
    yield ReplyStored(turn.assistant_message)


async def _answered(
    context: UseCaseContext, accepted: AcceptedMessage, command: SendMessage
) -> AsyncIterator[TurnEvent]:
    yield MessageAccepted(accepted.conversation, accepted.chat_session, accepted.user_message)
    pieces: asyncio.Queue[str | None] = asyncio.Queue()

    async def generate() -> ChatTurn:
        try:
            return await answer(context, accepted, command, pieces.put)
        finally:
            pieces.put_nowait(None)

    generation = context.background.spawn(generate())
    while (piece := await pieces.get()) is not None:
        yield ReplyPiece(piece)
    try:
        turn = await asyncio.shield(generation)
    except AssistantUnavailable as failed:
        yield ReplyFailed(failed)
        return
    yield ReplyStored(turn.assistant_message)
