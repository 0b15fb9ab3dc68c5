"""What a caller may see: only conversations it actively takes part in."""

from uuid import UUID

import structlog

from application.errors import ConversationNotFound
from application.ports.unit_of_work import UnitOfWork
from domain.conversation import Conversation


async def visible_conversation(
    unit_of_work: UnitOfWork, conversation_id: UUID, agent_id: UUID, *, for_update: bool = False
) -> Conversation:
    """The conversation if the agent actively takes part in it, else `ConversationNotFound`."""
    structlog.contextvars.bind_contextvars(conversation_id=str(conversation_id))
    conversation = await unit_of_work.conversations.get(conversation_id, for_update=for_update)
    if conversation is None or not conversation.is_visible_to(agent_id):
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return conversation
