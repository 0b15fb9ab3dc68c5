"""The committed state of the in-memory store, and the row locks over it."""

import asyncio
import copy
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from application.idempotency import IdempotencyRecord
from domain.agent import Agent
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.message import Message

T = TypeVar("T")


def detached(value: T) -> T:
    """A deep copy, so no unit of work ever shares a mutable object with another."""
    return copy.deepcopy(value)


@dataclass(eq=False)
class MemoryStore:
    """What has been committed. Only `MemoryUnitOfWork.commit` writes here."""

    agents: dict[UUID, Agent] = field(default_factory=dict)
    conversations: dict[UUID, Conversation] = field(default_factory=dict)
    messages: dict[UUID, list[Message]] = field(default_factory=lambda: defaultdict(list))
    messages_by_id: dict[UUID, Message] = field(default_factory=dict)
    replies: dict[UUID, UUID] = field(default_factory=dict)
    chat_sessions: dict[UUID, ChatSession] = field(default_factory=dict)
    sessions_by_member: dict[tuple[UUID, UUID], list[UUID]] = field(
        default_factory=lambda: defaultdict(list)
    )
    idempotency: dict[tuple[UUID, str], IdempotencyRecord] = field(default_factory=dict)
    agent_ids_by_external_id: dict[str, UUID] = field(default_factory=dict)
    reachable: bool = True
    """False makes every unit of work fail with `StoreUnavailable`, as a lost database would."""
    _locks: dict[Hashable, asyncio.Lock] = field(default_factory=dict)

    def lock(self, key: Hashable) -> asyncio.Lock:
        """The row lock named `key`: held by one unit of work at a time until it ends."""
        return self._locks.setdefault(key, asyncio.Lock())

    def agent_by_external_id(self, external_user_id: str) -> Agent | None:
        agent_id = self.agent_ids_by_external_id.get(external_user_id)
        return None if agent_id is None else self.agents[agent_id]
