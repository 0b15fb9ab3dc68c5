"""An agent: a person known to Parley by the external user id of their sign-in."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from domain import events
from domain.errors import InvalidAgentIdentity
from domain.events import DomainEvent


@dataclass(slots=True, eq=False)
class Agent:
    id: UUID
    external_user_id: str
    email: str | None
    name: str | None
    created_at: datetime
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def provision(
        cls, external_user_id: str, now: datetime, email: str | None = None, name: str | None = None
    ) -> "Agent":
        if not external_user_id:
            raise InvalidAgentIdentity("an agent needs a non-empty external user id")
        if any("\x00" in (text or "") for text in (external_user_id, email, name)):
            raise InvalidAgentIdentity("an agent's identity must not contain U+0000")
        agent = cls(uuid4(), external_user_id, email, name, now)
        agent.events.append(events.AgentProvisioned(now, agent.id, external_user_id))
        return agent
