"""Asking the assistant and storing its reply: the half of a turn that follows a message."""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

import structlog

from application.context import UseCaseContext
from application.ports.assistant import AssistantFailed, AssistantReply, PieceSink
from application.ports.unit_of_work import UnitOfWork
from application.use_cases.access import visible_conversation
from application.use_cases.sessions import current_session, record_activity, session_to_touch
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.errors import InvalidContent
from domain.message import Message
from domain.text import MAX_STORED_MESSAGE_CHARS, checked_content

_log = structlog.get_logger(__name__)


async def ask_assistant(
    context: UseCaseContext, history: Sequence[Message], on_piece: PieceSink | None = None
) -> AssistantReply:
    """The assistant's whole, storable reply within the configured time; else `AssistantFailed`.

    With `on_piece`, the reply is streamed and each piece handed on as it comes.
    """
    started = time.perf_counter()
    try:
        async with asyncio.timeout(context.policy.assistant_timeout.total_seconds()):
            if on_piece is None:
                reply = await context.assistant.reply(history)
            else:
                reply = await context.assistant.stream(history, on_piece)
        checked_content(reply.content, MAX_STORED_MESSAGE_CHARS)
    except AssistantFailed:
        raise
    except TimeoutError as timeout:
        raise AssistantFailed("the assistant did not answer in time") from timeout
    except InvalidContent as unstorable:
        raise AssistantFailed(f"the assistant's reply cannot be stored: {unstorable}") from None
    except Exception as failure:
        _log.exception("assistant_crashed")
        raise AssistantFailed("the assistant failed") from failure
    latency_ms = round((time.perf_counter() - started) * 1000)
    return replace(reply, generation=replace(reply.generation, latency_ms=latency_ms))


@dataclass(frozen=True, slots=True)
class StoredReply:
    conversation: Conversation
    chat_session: ChatSession
    reply: Message
    created: bool
    """False when another request had stored the reply first."""


async def store_reply(
    unit_of_work: UnitOfWork,
    context: UseCaseContext,
    agent_id: UUID,
    answered: Message,
    reply: AssistantReply,
) -> StoredReply:
    """Post `reply` as the assistant's answer to `answered`, unless it has one already."""
    now = context.clock.now()
    conversation = await visible_conversation(
        unit_of_work, answered.conversation_id, agent_id, for_update=True, session_next=True
    )
    existing = await unit_of_work.messages.reply_to(answered)
    if existing is not None:
        session = await current_session(unit_of_work, conversation.id, agent_id)
        return StoredReply(conversation, session, existing, created=False)
    current = await session_to_touch(unit_of_work, conversation.id, agent_id)
    message = conversation.post_reply(
        reply.content, now, reply_to=answered.id, generation=reply.generation
    )
    await unit_of_work.conversations.save(conversation)
    await unit_of_work.messages.add(message)
    session = await record_activity(
        unit_of_work, current, conversation.id, agent_id, now=now, policy=context.policy
    )
    return StoredReply(conversation, session, message, created=True)


async def history_until(
    unit_of_work: UnitOfWork, context: UseCaseContext, message: Message
) -> list[Message]:
    """The recent messages the assistant reads to answer `message`, ending with it."""
    page = await unit_of_work.messages.newest(
        message.conversation_id, context.policy.history_messages, before=message.sequence + 1
    )
    return page.items
