"""What a caller may see and do: only conversations and sessions that are its own."""

from uuid import UUID

import structlog

from application.errors import ChatSessionNotFound, ConversationNotFound, NothingToReply
from application.ports.unit_of_work import UnitOfWork
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.errors import CannotReply, ConversationArchived


async def visible_conversation(
    unit_of_work: UnitOfWork,
    conversation_id: UUID,
    agent_id: UUID,
    *,
    for_update: bool = False,
    session_next: bool = False,
) -> Conversation:
    """The conversation if the agent actively takes part in it, else `ConversationNotFound`.

    `session_next`: the agent's chat session on it is asked for next (read along if possible).
    """
    structlog.contextvars.bind_contextvars(conversation_id=str(conversation_id))
    conversation = await unit_of_work.conversations.get(
        conversation_id, for_update=for_update, session_of=agent_id if session_next else None
    )
    if conversation is None or not conversation.is_visible_to(agent_id):
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return conversation


def check_may_post(conversation: Conversation, agent_id: UUID, *, answering: bool = False) -> None:
    """Refuse, in API.md's order, a message (or, `answering`, a reply to the latest message)
    in this conversation: `ConversationArchived`, `NothingToReply`, then `CannotReply`."""
    if conversation.is_archived:
        raise ConversationArchived("the conversation is archived")
    if answering and conversation.message_count == 0:
        raise NothingToReply("the conversation has no message to answer")
    participant = conversation.active_participant(agent_id)
    if participant is None or not participant.can_reply:
        raise CannotReply("this participant may not reply")


async def own_session(
    unit_of_work: UnitOfWork, session_id: UUID, agent_id: UUID, *, for_update: bool = False
) -> ChatSession:
    """The chat session if it is the agent's, else `ChatSessionNotFound`."""
    session = await unit_of_work.chat_sessions.get(session_id, for_update=for_update)
    if session is None or session.agent_id != agent_id:
        raise ChatSessionNotFound(f"chat session {session_id} not found")
    return session
