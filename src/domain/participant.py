"""A participant: an agent, an operator or the AI taking part in one conversation."""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

from domain.roles import Role


@dataclass(frozen=True, slots=True)
class Participant:
    id: UUID
    conversation_id: UUID
    role: Role
    agent_id: UUID | None
    is_active: bool
    can_reply: bool
    can_invite: bool
    notifications_enabled: bool
    joined_at: datetime

    @classmethod
    def owner(cls, conversation_id: UUID, agent_id: UUID, now: datetime) -> "Participant":
        """The agent who starts a conversation: may reply and invite."""
        return cls._new(conversation_id, Role.ISO_AGENT, agent_id, now, can_invite=True)

    @classmethod
    def assistant(cls, conversation_id: UUID, now: datetime) -> "Participant":
        """The one AI participant of a conversation."""
        return cls(
            id=uuid4(),
            conversation_id=conversation_id,
            role=Role.AI_ASSISTANT,
            agent_id=None,
            is_active=True,
            can_reply=True,
            can_invite=False,
            notifications_enabled=False,
            joined_at=now,
        )

    @classmethod
    def operator(cls, conversation_id: UUID, agent_id: UUID, now: datetime) -> "Participant":
        """A human operator stepping in: may reply, may not invite."""
        return cls._new(conversation_id, Role.OPERATOR, agent_id, now, can_invite=False)

    @classmethod
    def _new(
        cls, conversation_id: UUID, role: Role, agent_id: UUID, now: datetime, *, can_invite: bool
    ) -> "Participant":
        return cls(
            id=uuid4(),
            conversation_id=conversation_id,
            role=role,
            agent_id=agent_id,
            is_active=True,
            can_reply=True,
            can_invite=can_invite,
            notifications_enabled=True,
            joined_at=now,
        )

    @property
    def is_assistant(self) -> bool:
        return self.role is Role.AI_ASSISTANT

    @property
    def is_active_agent(self) -> bool:
        return self.is_active and self.role is Role.ISO_AGENT

    def deactivated(self) -> "Participant":
        return replace(self, is_active=False)
