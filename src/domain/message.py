"""A message: one numbered entry in a conversation's order."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.roles import Role


@dataclass(frozen=True, slots=True)
class Generation:
    """How the assistant made a reply: kept with the message, not shown in it."""

    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: int | None = None
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: UUID
    conversation_id: UUID
    sequence: int
    role: Role
    sender_agent_id: UUID | None
    content: str
    created_at: datetime
    client_message_id: str | None = None
    reply_to: UUID | None = None
    """The message the assistant answered, for the assistant's replies."""
    generation: Generation | None = None

    @property
    def is_from_assistant(self) -> bool:
        return self.role is Role.AI_ASSISTANT
