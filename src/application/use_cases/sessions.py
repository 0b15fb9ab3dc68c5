"""Keeping the caller's chat session on a conversation current as messages arrive."""

from datetime import datetime
from uuid import UUID

from application.errors import ChatSessionNotFound
from application.policy import ChatPolicy
from application.ports.unit_of_work import UnitOfWork
from domain.chat_session import ChatSession, session_for_activity


async def session_to_touch(
    unit_of_work: UnitOfWork, conversation_id: UUID, agent_id: UUID
) -> ChatSession | None:
    """The agent's latest session on the conversation, locked for `record_activity`."""
    return await unit_of_work.chat_sessions.latest_for(conversation_id, agent_id, for_update=True)


async def record_activity(
    unit_of_work: UnitOfWork,
    current: ChatSession | None,
    conversation_id: UUID,
    agent_id: UUID,
    *,
    now: datetime,
    policy: ChatPolicy,
) -> ChatSession:
    """Count one message in the agent's session, ending an idle one and starting a new one."""
    was_active = current is not None and current.is_active
    session = session_for_activity(current, conversation_id, agent_id, now, policy.session_idle)
    if current is not None and was_active and session is not current:
        await unit_of_work.chat_sessions.save(current)
    session.touch(now)
    if session is current:
        await unit_of_work.chat_sessions.save(session)
    else:
        await unit_of_work.chat_sessions.add(session)
    return session


async def current_session(
    unit_of_work: UnitOfWork, conversation_id: UUID, agent_id: UUID
) -> ChatSession:
    """The agent's active session on the conversation, else its latest one."""
    session = await unit_of_work.chat_sessions.latest_for(conversation_id, agent_id)
    if session is None:
        raise ChatSessionNotFound(f"no chat session of this agent on {conversation_id}")
    return session
