"""Domain objects into the wire shapes of API.md."""

from datetime import UTC, datetime

from adapters.http.schemas import (
    ChatSessionOut,
    ConversationOut,
    MessageOut,
    ParticipantOut,
)
from application.use_cases.views import ConversationView
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.message import Message
from domain.participant import Participant


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def participant_out(participant: Participant) -> ParticipantOut:
    return ParticipantOut(
        id=participant.id,
        role=participant.role.value,
        agent_id=participant.agent_id,
        is_active=participant.is_active,
        can_reply=participant.can_reply,
        can_invite=participant.can_invite,
        notifications_enabled=participant.notifications_enabled,
        joined_at=utc(participant.joined_at),
    )


def chat_session_out(session: ChatSession) -> ChatSessionOut:
    return ChatSessionOut(
        id=session.id,
        conversation_id=session.conversation_id,
        agent_id=session.agent_id,
        status=session.status.value,
        started_at=utc(session.started_at),
        last_activity_at=utc(session.last_activity_at),
        ended_at=maybe_utc(session.ended_at),
        message_count=session.message_count,
    )


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        sequence=message.sequence,
        role=message.role.value,
        sender_agent_id=message.sender_agent_id,
        content=message.content,
        client_message_id=message.client_message_id,
        created_at=utc(message.created_at),
    )


def conversation_out(view: ConversationView) -> ConversationOut:
    conversation = view.conversation
    return ConversationOut(
        id=conversation.id,
        title=conversation.title,
        status=conversation.status.value,
        created_at=utc(conversation.created_at),
        updated_at=utc(conversation.updated_at),
        last_message_at=maybe_utc(conversation.last_message_at),
        message_count=conversation.message_count,
        participants=[participant_out(p) for p in conversation.participants],
        active_chat_session=(
            None if view.active_chat_session is None else chat_session_out(view.active_chat_session)
        ),
    )


def conversation_with(conversation: Conversation, session: ChatSession) -> ConversationOut:
    """A conversation as the caller sees it right after acting in `session`."""
    return conversation_out(ConversationView.of(conversation, session))
