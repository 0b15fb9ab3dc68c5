"""Sending a message and getting the assistant's reply (`POST /api/chat`).

A send runs in two units of work with the assistant between them, so no transaction is held
while the assistant thinks: `accept_message` stores the caller's message, `complete_turn`
stores the reply. A `client_message_id` makes the send idempotent per agent: a retry stores
nothing new, and the assistant is asked once however many retries arrive.
"""

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog

from application.context import UseCaseContext
from application.errors import (
    ApplicationError,
    AssistantUnavailable,
    IdempotencyConflict,
    IdempotencyInProgress,
)
from application.idempotency import IdempotencyRecord, digest_of
from application.ports.assistant import AssistantFailed, AssistantReply, PieceSink
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.access import visible_conversation
from application.use_cases.agents import resolve_agent
from application.use_cases.replies import ask_assistant, history_until, store_reply
from application.use_cases.sessions import current_session, record_activity, session_to_touch
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.errors import ConversationArchived
from domain.message import Message

MAX_RETRY_AFTER_SECONDS = 5
_log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SendMessage:
    message: str
    conversation_id: UUID | None = None
    client_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChatTurn:
    conversation: Conversation
    chat_session: ChatSession
    user_message: Message
    assistant_message: Message
    created: bool
    """False for a retry that found the whole turn already stored."""


@dataclass(frozen=True, slots=True)
class AcceptedMessage:
    """The caller's message, stored and waiting for the assistant's reply."""

    agent_id: UUID
    conversation: Conversation
    chat_session: ChatSession
    user_message: Message
    history: list[Message]
    claimed_at: datetime | None
    """When this request claimed the `client_message_id`, if it has one."""


async def send_message(
    context: UseCaseContext, principal: Principal, command: SendMessage
) -> ChatTurn:
    """Store the caller's message, ask the assistant, store its reply.

    Raises `AgentNotProvisioned`, `ConversationNotFound`, the domain's `InvalidContent`,
    `ConversationArchived` and `CannotReply`, `IdempotencyConflict`, `IdempotencyInProgress`,
    and `AssistantUnavailable` (the caller's message is stored then).
    """
    accepted = await accept_message(context, principal, command)
    if isinstance(accepted, ChatTurn):
        return accepted
    # Shielded: a caller that goes away does not stop the reply from being stored.
    return await asyncio.shield(context.background.spawn(answer(context, accepted, command)))


async def answer(
    context: UseCaseContext,
    accepted: AcceptedMessage,
    command: SendMessage,
    on_piece: PieceSink | None = None,
) -> ChatTurn:
    """Ask the assistant (streaming to `on_piece` if given) and store its reply.

    Raises `AssistantUnavailable` when the assistant fails; any failure releases the claim
    on the `client_message_id`, so that a retry can complete the turn at once.
    """
    try:
        reply = await ask_assistant(context, accepted.history, on_piece)
        return await complete_turn(context, accepted, command, reply)
    except AssistantFailed as failure:
        await abandon_turn(context, accepted, command)
        raise AssistantUnavailable(accepted.conversation.id, accepted.user_message) from failure
    except Exception:
        await abandon_turn(context, accepted, command)
        raise


async def accept_message(
    context: UseCaseContext, principal: Principal, command: SendMessage
) -> AcceptedMessage | ChatTurn:
    """First unit of work: store the message, or find what a retry's first request stored."""

    async def work(unit_of_work: UnitOfWork) -> AcceptedMessage | ChatTurn:
        now = context.clock.now()
        agent = await resolve_agent(unit_of_work, context, principal)
        if command.client_message_id is not None:
            record = await unit_of_work.idempotency.get(agent.id, command.client_message_id)
            if record is not None:
                return await _resume(unit_of_work, context, record, command, now)
        return await _accept_new(unit_of_work, context, agent.id, command, now)

    return await in_transaction(context.new_unit_of_work, work)


async def complete_turn(
    context: UseCaseContext, accepted: AcceptedMessage, command: SendMessage, reply: AssistantReply
) -> ChatTurn:
    """Second unit of work: store the assistant's reply and mark the send as answered."""

    async def work(unit_of_work: UnitOfWork) -> ChatTurn:
        await unit_of_work.act_for(accepted.agent_id)
        record = await _record_of(unit_of_work, accepted.agent_id, command)
        stored = await store_reply(
            unit_of_work, context, accepted.agent_id, accepted.user_message, reply
        )
        if record is not None:
            record.complete(stored.reply.id)
            await unit_of_work.idempotency.save(record)
        return ChatTurn(
            stored.conversation, stored.chat_session, accepted.user_message, stored.reply, True
        )

    return await in_transaction(context.new_unit_of_work, work)


async def abandon_turn(
    context: UseCaseContext, accepted: AcceptedMessage, command: SendMessage
) -> None:
    """Let a retry take over at once when this request could not store a reply.

    When even that fails, the claim lapses after the assistant timeout instead.
    """
    if accepted.claimed_at is None:
        return

    async def work(unit_of_work: UnitOfWork) -> None:
        await unit_of_work.act_for(accepted.agent_id)
        record = await _record_of(unit_of_work, accepted.agent_id, command)
        if record is not None and record.claimed_at == accepted.claimed_at:
            record.release()
            await unit_of_work.idempotency.save(record)

    try:
        await in_transaction(context.new_unit_of_work, work)
    except ApplicationError:
        _log.exception("claim_release_failed", client_message_id=command.client_message_id)


async def _accept_new(
    unit_of_work: UnitOfWork,
    context: UseCaseContext,
    agent_id: UUID,
    command: SendMessage,
    now: datetime,
) -> AcceptedMessage:
    conversation, is_new = await _conversation_to_post_in(
        unit_of_work, agent_id, command.conversation_id, now
    )
    current, earlier = None, []
    if not is_new:
        current = await session_to_touch(unit_of_work, conversation.id, agent_id)
        page = await unit_of_work.messages.newest(
            conversation.id, context.policy.history_messages - 1
        )
        earlier = page.items
    message = conversation.post_by_agent(
        agent_id,
        command.message,
        now,
        max_chars=context.policy.max_message_chars,
        client_message_id=command.client_message_id,
    )
    if is_new:
        await unit_of_work.conversations.add(conversation)
    else:
        await unit_of_work.conversations.save(conversation)
    await unit_of_work.messages.add(message)
    session = await record_activity(
        unit_of_work, current, conversation.id, agent_id, now=now, policy=context.policy
    )
    claimed_at = await _claim_new_key(unit_of_work, agent_id, message, command, now)
    history = [*earlier, message]
    return AcceptedMessage(agent_id, conversation, session, message, history, claimed_at)


async def _conversation_to_post_in(
    unit_of_work: UnitOfWork, agent_id: UUID, conversation_id: UUID | None, now: datetime
) -> tuple[Conversation, bool]:
    if conversation_id is None:
        return Conversation.start(agent_id, now), True
    conversation = await visible_conversation(
        unit_of_work, conversation_id, agent_id, for_update=True, session_next=True
    )
    return conversation, False


async def _claim_new_key(
    unit_of_work: UnitOfWork,
    agent_id: UUID,
    message: Message,
    command: SendMessage,
    now: datetime,
) -> datetime | None:
    if command.client_message_id is None:
        return None
    record = IdempotencyRecord(
        agent_id=agent_id,
        client_message_id=command.client_message_id,
        conversation_id=message.conversation_id,
        user_message_id=message.id,
        message_digest=digest_of(command.message),
        created_at=now,
        claimed_at=now,
    )
    await unit_of_work.idempotency.add(record)
    return now


async def _resume(
    unit_of_work: UnitOfWork,
    context: UseCaseContext,
    record: IdempotencyRecord,
    command: SendMessage,
    now: datetime,
) -> AcceptedMessage | ChatTurn:
    if command.conversation_id not in (None, record.conversation_id):
        await visible_conversation(unit_of_work, command.conversation_id, record.agent_id)
    if not record.is_retry_of(command.message, command.conversation_id):
        raise IdempotencyConflict("this client_message_id was used for a different request")
    conversation = await visible_conversation(unit_of_work, record.conversation_id, record.agent_id)
    user_message = await _stored_message(unit_of_work, record)
    session = await current_session(unit_of_work, conversation.id, record.agent_id)
    reply = await unit_of_work.messages.reply_to(user_message)
    if reply is not None:
        if record.assistant_message_id is None:
            record.complete(reply.id)
            await unit_of_work.idempotency.save(record)
        return ChatTurn(conversation, session, user_message, reply, created=False)
    if conversation.is_archived:
        raise ConversationArchived("the conversation is archived")
    timeout = context.policy.assistant_timeout
    if record.claimed_at is not None and record.is_in_progress(now, timeout):
        remaining = (record.claimed_at + timeout - now).total_seconds()
        raise IdempotencyInProgress(max(1, min(MAX_RETRY_AFTER_SECONDS, math.ceil(remaining))))
    record.claim(now)
    await unit_of_work.idempotency.save(record)
    history = await history_until(unit_of_work, context, user_message)
    return AcceptedMessage(record.agent_id, conversation, session, user_message, history, now)


async def _record_of(
    unit_of_work: UnitOfWork, agent_id: UUID, command: SendMessage
) -> IdempotencyRecord | None:
    if command.client_message_id is None:
        return None
    return await unit_of_work.idempotency.get(agent_id, command.client_message_id)


async def _stored_message(unit_of_work: UnitOfWork, record: IdempotencyRecord) -> Message:
    message = await unit_of_work.messages.get(record.conversation_id, record.user_message_id)
    if message is None:
        raise LookupError(f"message {record.user_message_id} of an idempotency record is missing")
    return message
