"""Asking the assistant (again) to answer a conversation's latest message."""

from dataclasses import dataclass
from uuid import UUID

from application.context import UseCaseContext
from application.errors import AssistantUnavailable
from application.ports.assistant import AssistantFailed
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.access import check_may_post, visible_conversation
from application.use_cases.agents import resolve_agent
from application.use_cases.replies import ask_assistant, store_reply
from domain.chat_session import ChatSession
from domain.message import Message


@dataclass(frozen=True, slots=True)
class AskForReply:
    conversation_id: UUID


@dataclass(frozen=True, slots=True)
class ReplyGiven:
    assistant_message: Message
    chat_session: ChatSession
    created: bool
    """False when the latest message had been answered by a concurrent request."""


@dataclass(frozen=True, slots=True)
class _Question:
    agent_id: UUID
    latest: Message
    history: list[Message]


async def ask_for_reply(
    context: UseCaseContext, principal: Principal, command: AskForReply
) -> ReplyGiven:
    """Ask the assistant to answer the latest message and store its reply.

    Also completes an earlier send whose reply failed, so a retry of that send returns this
    reply. Raises `ConversationNotFound`, `ConversationArchived`, `NothingToReply`,
    `CannotReply` (in that order of checks) and `AssistantUnavailable`.
    """
    question = await in_transaction(
        context.new_unit_of_work, lambda uow: _question(uow, context, principal, command)
    )
    try:
        reply = await ask_assistant(context, question.history)
    except AssistantFailed as failure:
        raise AssistantUnavailable(command.conversation_id, question.latest) from failure

    async def store(unit_of_work: UnitOfWork) -> ReplyGiven:
        await unit_of_work.act_for(question.agent_id)
        stored = await store_reply(unit_of_work, context, question.agent_id, question.latest, reply)
        return ReplyGiven(stored.reply, stored.chat_session, stored.created)

    return await in_transaction(context.new_unit_of_work, store)


async def _question(
    unit_of_work: UnitOfWork, context: UseCaseContext, principal: Principal, command: AskForReply
) -> _Question:
    agent = await resolve_agent(unit_of_work, context, principal)
    conversation = await visible_conversation(unit_of_work, command.conversation_id, agent.id)
    check_may_post(conversation, agent.id, answering=True)
    history = await unit_of_work.messages.newest(conversation.id, context.policy.history_messages)
    return _Question(agent.id, history.items[-1], history.items)
