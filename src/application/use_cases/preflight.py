"""The checks a request would fail before its rate is counted, run without changing anything.

API.md orders the answers: existence (404), state (409), permission (403), then rate (429).
A caller over its rate is told the first of the others that fails, if any.
"""

from dataclasses import dataclass
from uuid import UUID

from application.context import UseCaseContext
from application.errors import (
    AgentNotProvisioned,
    ChatSessionNotFound,
    ConversationNotFound,
    NothingToReply,
)
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from domain.errors import CannotReply, ConversationArchived


@dataclass(frozen=True, slots=True)
class Intent:
    """What a request is about to do."""

    conversation_id: UUID | None = None
    chat_session_id: UUID | None = None
    posts: bool = False
    """It adds a message (a send, or the assistant's reply)."""
    replies: bool = False
    """It asks the assistant to answer the latest message."""


async def first_refusal(
    context: UseCaseContext, principal: Principal, intent: Intent
) -> Exception | None:
    """The error the request would meet before its rate is counted, or None."""

    async def work(unit_of_work: UnitOfWork) -> Exception | None:
        agent = await unit_of_work.agents.get_by_external_id(principal.external_user_id)
        if agent is None:
            unknown = AgentNotProvisioned(principal.external_user_id)
            return None if context.policy.auto_provision else unknown
        return await _session_refusal(
            unit_of_work, agent.id, intent
        ) or await _conversation_refusal(unit_of_work, agent.id, intent)

    return await in_transaction(context.new_unit_of_work, work)


async def _session_refusal(
    unit_of_work: UnitOfWork, agent_id: UUID, intent: Intent
) -> Exception | None:
    if intent.chat_session_id is None:
        return None
    session = await unit_of_work.chat_sessions.get(intent.chat_session_id)
    if session is None or session.agent_id != agent_id:
        return ChatSessionNotFound(f"chat session {intent.chat_session_id} not found")
    return None


async def _conversation_refusal(
    unit_of_work: UnitOfWork, agent_id: UUID, intent: Intent
) -> Exception | None:
    if intent.conversation_id is None:
        return None
    conversation = await unit_of_work.conversations.get(intent.conversation_id)
    if conversation is None or not conversation.is_visible_to(agent_id):
        return ConversationNotFound(f"conversation {intent.conversation_id} not found")
    writes = intent.posts or intent.replies
    participant = conversation.active_participant(agent_id)
    refusals: list[tuple[bool, Exception]] = [
        (writes and conversation.is_archived, ConversationArchived("the conversation is archived")),
        (
            intent.replies and conversation.message_count == 0,
            NothingToReply("the conversation has no message to answer"),
        ),
        (
            writes and participant is not None and not participant.can_reply,
            CannotReply("this participant may not reply"),
        ),
    ]
    return next((refusal for applies, refusal in refusals if applies), None)
