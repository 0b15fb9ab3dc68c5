"""Rows into domain objects, through the domain's own types."""

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from application.idempotency import IdempotencyRecord
from domain.agent import Agent
from domain.chat_session import ChatSession, ChatSessionStatus
from domain.conversation import Conversation, ConversationStatus
from domain.message import Generation, Message
from domain.participant import Participant
from domain.roles import Role

Row = Mapping[str, Any]

CONVERSATION_COLUMNS = (
    "c.id, c.title, c.status, c.created_at, c.updated_at, c.last_message_at,"
    " c.last_sequence, c.version,"
    " p.id AS p_id, p.role AS p_role, p.agent_id AS p_agent_id, p.is_active AS p_is_active,"
    " p.can_reply AS p_can_reply, p.can_invite AS p_can_invite,"
    " p.notifications_enabled AS p_notifications_enabled, p.joined_at AS p_joined_at"
)
"""Select a conversation joined with its participants, one row per participant."""

PARTICIPANT_ORDER = "p.position"


def agent_from(row: Row) -> Agent:
    return Agent(row["id"], row["external_user_id"], row["email"], row["name"], row["created_at"])


def conversations_from(rows: Iterable[Row]) -> list[Conversation]:
    """Group rows of `CONVERSATION_COLUMNS` into conversations, keeping their order."""
    grouped: dict[UUID, tuple[Row, list[Participant]]] = {}
    for row in rows:
        _, participants = grouped.setdefault(row["id"], (row, []))
        participants.append(_participant_from(row))
    return [_conversation_from(row, participants) for row, participants in grouped.values()]


def _conversation_from(row: Row, participants: list[Participant]) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        status=ConversationStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_message_at=row["last_message_at"],
        last_sequence=row["last_sequence"],
        version=row["version"],
        participants=tuple(participants),
    )


def _participant_from(row: Row) -> Participant:
    return Participant(
        id=row["p_id"],
        conversation_id=row["id"],
        role=Role(row["p_role"]),
        agent_id=row["p_agent_id"],
        is_active=row["p_is_active"],
        can_reply=row["p_can_reply"],
        can_invite=row["p_can_invite"],
        notifications_enabled=row["p_notifications_enabled"],
        joined_at=row["p_joined_at"],
    )


_GENERATION_COLUMNS = ("model", "prompt_tokens", "completion_tokens", "latency_ms", "finish_reason")


def message_from(row: Row) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        sequence=row["sequence"],
        role=Role(row["role"]),
        sender_agent_id=row["sender_agent_id"],
        content=row["content"],
        created_at=row["created_at"],
        client_message_id=row["client_message_id"],
        reply_to=row["reply_to"],
        generation=_generation_from(row),
    )


def _generation_from(row: Row) -> Generation | None:
    if row["role"] != Role.AI_ASSISTANT or all(row[k] is None for k in _GENERATION_COLUMNS):
        return None
    return Generation(
        model=row["model"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        latency_ms=row["latency_ms"],
        finish_reason=row["finish_reason"],
    )


SESSION_ALONG_COLUMNS = (
    "s.id AS s_id, s.conversation_id AS s_conversation_id, s.agent_id AS s_agent_id,"
    " s.status AS s_status, s.started_at AS s_started_at,"
    " s.last_activity_at AS s_last_activity_at, s.ended_at AS s_ended_at,"
    " s.message_count AS s_message_count"
)
"""A chat session's columns as `s_`-prefixed, to select beside a conversation's."""


def chat_session_from(row: Row, prefix: str = "") -> ChatSession:
    return ChatSession(
        id=row[f"{prefix}id"],
        conversation_id=row[f"{prefix}conversation_id"],
        agent_id=row[f"{prefix}agent_id"],
        status=ChatSessionStatus(row[f"{prefix}status"]),
        started_at=row[f"{prefix}started_at"],
        last_activity_at=row[f"{prefix}last_activity_at"],
        ended_at=row[f"{prefix}ended_at"],
        message_count=row[f"{prefix}message_count"],
    )


def session_along_from(row: Row) -> ChatSession | None:
    """The chat session of `SESSION_ALONG_COLUMNS` in `row`, None when the join found none."""
    return None if row["s_id"] is None else chat_session_from(row, "s_")


def idempotency_record_from(row: Row) -> IdempotencyRecord:
    return IdempotencyRecord(
        agent_id=row["agent_id"],
        client_message_id=row["client_message_id"],
        conversation_id=row["conversation_id"],
        user_message_id=row["user_message_id"],
        message_digest=row["message_digest"],
        created_at=row["created_at"],
        claimed_at=row["claimed_at"],
        assistant_message_id=row["assistant_message_id"],
    )
