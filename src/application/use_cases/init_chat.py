"""Starting a new, empty chat (the "New" button)."""

from dataclasses import dataclass

from application.context import UseCaseContext
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.agents import resolve_agent
from domain.chat_session import ChatSession
from domain.conversation import Conversation


@dataclass(frozen=True, slots=True)
class InitChat:
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ChatStarted:
    conversation: Conversation
    chat_session: ChatSession


async def init_chat(
    context: UseCaseContext, principal: Principal, command: InitChat
) -> ChatStarted:
    """Create a conversation, both its participants and the caller's chat session, all at once.

    Raises `AgentNotProvisioned`, or `InvalidTitle` for a bad title; stores nothing then.
    """

    async def work(unit_of_work: UnitOfWork) -> ChatStarted:
        now = context.clock.now()
        agent = await resolve_agent(unit_of_work, context, principal)
        conversation = Conversation.start(agent.id, now, command.title)
        session = ChatSession.start(conversation.id, agent.id, now)
        await unit_of_work.conversations.add(conversation)
        await unit_of_work.chat_sessions.add(session)
        return ChatStarted(conversation, session)

    return await in_transaction(context.new_unit_of_work, work)
