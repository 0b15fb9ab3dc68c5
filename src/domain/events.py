"""Domain events: facts the aggregates record, published only after they are committed."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.roles import Role


@dataclass(frozen=True, slots=True)
class DomainEvent:
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class AgentProvisioned(DomainEvent):
    agent_id: UUID
    external_user_id: str


@dataclass(frozen=True, slots=True)
class ConversationStarted(DomainEvent):
    conversation_id: UUID
    started_by: UUID


@dataclass(frozen=True, slots=True)
class ParticipantJoined(DomainEvent):
    conversation_id: UUID
    participant_id: UUID
    role: Role
    agent_id: UUID | None


@dataclass(frozen=True, slots=True)
class ParticipantDeactivated(DomainEvent):
    conversation_id: UUID
    participant_id: UUID


@dataclass(frozen=True, slots=True)
class ConversationRenamed(DomainEvent):
    conversation_id: UUID
    title: str | None


@dataclass(frozen=True, slots=True)
class ConversationArchived(DomainEvent):
    conversation_id: UUID


@dataclass(frozen=True, slots=True)
class ConversationUnarchived(DomainEvent):
    conversation_id: UUID


@dataclass(frozen=True, slots=True)
class MessagePosted(DomainEvent):
    conversation_id: UUID
    message_id: UUID
    sequence: int
    role: Role


@dataclass(frozen=True, slots=True)
class ChatSessionStarted(DomainEvent):
    chat_session_id: UUID
    conversation_id: UUID
    agent_id: UUID


@dataclass(frozen=True, slots=True)
class ChatSessionEnded(DomainEvent):
    chat_session_id: UUID
    conversation_id: UUID
    agent_id: UUID
