"""A chat session: one agent's stretch of activity on one conversation."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from domain import events
from domain.errors import ChatSessionEnded
from domain.events import DomainEvent


class ChatSessionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(slots=True, eq=False)
class ChatSession:
    id: UUID
    conversation_id: UUID
    agent_id: UUID
    status: ChatSessionStatus
    started_at: datetime
    last_activity_at: datetime
    ended_at: datetime | None
    message_count: int
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def start(cls, conversation_id: UUID, agent_id: UUID, now: datetime) -> "ChatSession":
        session = cls(
            id=uuid4(),
            conversation_id=conversation_id,
            agent_id=agent_id,
            status=ChatSessionStatus.ACTIVE,
            started_at=now,
            last_activity_at=now,
            ended_at=None,
            message_count=0,
        )
        session.events.append(events.ChatSessionStarted(now, session.id, conversation_id, agent_id))
        return session

    @property
    def is_active(self) -> bool:
        return self.status is ChatSessionStatus.ACTIVE

    def is_idle(self, now: datetime, idle_after: timedelta) -> bool:
        return now - self.last_activity_at > idle_after

    def touch(self, now: datetime, messages: int = 1) -> None:
        """Count `messages` new messages and move the last activity to `now`."""
        if not self.is_active:
            raise ChatSessionEnded("an ended chat session records no more activity")
        self.message_count += messages
        self.last_activity_at = max(self.last_activity_at, now)

    def end(self, now: datetime) -> None:
        """End the session; ending an ended session changes nothing."""
        if not self.is_active:
            return
        self.status = ChatSessionStatus.ENDED
        self.ended_at = now
        self.events.append(
            events.ChatSessionEnded(now, self.id, self.conversation_id, self.agent_id)
        )


def session_for_activity(
    current: ChatSession | None,
    conversation_id: UUID,
    agent_id: UUID,
    now: datetime,
    idle_after: timedelta,
) -> ChatSession:
    """The session that new activity belongs to: `current` unless missing or idle.

    An idle session is ended; the caller stores both it and the new one.
    """
    if current is not None and current.is_active and not current.is_idle(now, idle_after):
        return current
    if current is not None:
        current.end(now)
    return ChatSession.start(conversation_id, agent_id, now)
