"""Repository ports: where aggregates are kept between units of work.

Writes (`add`, `save`) remember the aggregate so that the unit of work can publish its events
after commit. Reads with `for_update=True` lock what they read until the unit of work ends (or,
for a chat session read along with its conversation, make its save fail with `ConcurrentUpdate`
when another unit of work changed it meanwhile), so concurrent units of work that change the
same conversation, session or idempotency record run one after the other.
"""

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.idempotency import IdempotencyRecord
from domain.agent import Agent
from domain.chat_session import ChatSession
from domain.conversation import Conversation, ConversationStatus
from domain.events import DomainEvent
from domain.message import Message


class _EventSource:
    def __init__(self) -> None:
        self._written: list[Agent | Conversation | ChatSession] = []

    def take_events(self) -> list[DomainEvent]:
        """The events of every aggregate written so far, each handed out once."""
        taken: list[DomainEvent] = []
        for aggregate in self._written:
            taken.extend(aggregate.events)
            aggregate.events.clear()
        return taken


class AgentRepository(_EventSource):
    """Agents, by id and by the external user id of their sign-in."""

    async def add(self, agent: Agent) -> None:
        """Store a new agent; `ConcurrentUpdate` when its external id was taken meanwhile."""
        await self._add(agent)
        self._written.append(agent)

    @abc.abstractmethod
    async def _add(self, agent: Agent) -> None: ...

    @abc.abstractmethod
    async def get_by_external_id(self, external_user_id: str) -> Agent | None: ...

    @abc.abstractmethod
    async def list_all(self) -> list[Agent]: ...


@dataclass(frozen=True, slots=True)
class ActivityCursor:
    """A place in a list of conversations ordered by last activity, newest first."""

    last_activity_at: datetime
    conversation_id: UUID


class ConversationRepository(_EventSource):
    """Conversations with their participants (never their messages)."""

    async def add(self, conversation: Conversation) -> None:
        await self._add(conversation)
        self._written.append(conversation)

    async def save(self, conversation: Conversation) -> None:
        """Store the changes made to a conversation read in this unit of work."""
        await self._save(conversation)
        self._written.append(conversation)

    @abc.abstractmethod
    async def _add(self, conversation: Conversation) -> None: ...

    @abc.abstractmethod
    async def _save(self, conversation: Conversation) -> None: ...

    @abc.abstractmethod
    async def get(
        self, conversation_id: UUID, *, for_update: bool = False, session_of: UUID | None = None
    ) -> Conversation | None:
        """The conversation, whoever takes part in it; the caller checks visibility.

        `session_of`: an agent whose latest chat session on the conversation this unit of work
        asks `ChatSessionRepository.latest_for` next; an adapter may read it along.
        """

    @abc.abstractmethod
    async def list_for_agent(
        self,
        agent_id: UUID,
        statuses: Sequence[ConversationStatus],
        after: ActivityCursor | None,
        limit: int,
    ) -> list[Conversation]:
        """Conversations where the agent is an active participant, latest activity first.

        An adapter may read the agent's active sessions on them along, for the
        `ChatSessionRepository.active_for_agent` that follows.
        """


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: list[Message]
    """Ascending by sequence."""
    has_more: bool


class MessageRepository(abc.ABC):
    """Messages, in the order of their conversation. Never changed once stored."""

    @abc.abstractmethod
    async def add(self, message: Message) -> None: ...

    @abc.abstractmethod
    async def get(self, conversation_id: UUID, message_id: UUID) -> Message | None: ...

    @abc.abstractmethod
    async def reply_to(self, message: Message) -> Message | None:
        """The assistant's reply to `message`, if it has one."""

    @abc.abstractmethod
    async def newest(
        self, conversation_id: UUID, limit: int, before: int | None = None
    ) -> MessagePage:
        """The newest `limit` messages (with sequence below `before`); `has_more`: older exist."""

    @abc.abstractmethod
    async def oldest_after(self, conversation_id: UUID, after: int, limit: int) -> MessagePage:
        """The oldest `limit` messages with sequence above `after`; `has_more`: newer exist."""


class ChatSessionRepository(_EventSource):
    """Chat sessions; at most one active per (conversation, agent)."""

    async def add(self, session: ChatSession) -> None:
        await self._add(session)
        self._written.append(session)

    async def save(self, session: ChatSession) -> None:
        await self._save(session)
        self._written.append(session)

    @abc.abstractmethod
    async def _add(self, session: ChatSession) -> None: ...

    @abc.abstractmethod
    async def _save(self, session: ChatSession) -> None: ...

    @abc.abstractmethod
    async def get(self, session_id: UUID, *, for_update: bool = False) -> ChatSession | None: ...

    @abc.abstractmethod
    async def latest_for(
        self, conversation_id: UUID, agent_id: UUID, *, for_update: bool = False
    ) -> ChatSession | None:
        """The agent's active session on the conversation, else its most recent one."""

    @abc.abstractmethod
    async def active_for_agent(
        self, agent_id: UUID, conversation_ids: Sequence[UUID]
    ) -> dict[UUID, ChatSession]:
        """The agent's active session on each of the conversations that has one."""


class IdempotencyRepository(abc.ABC):
    """What was done for each (agent, client_message_id)."""

    @abc.abstractmethod
    async def get(self, agent_id: UUID, client_message_id: str) -> IdempotencyRecord | None:
        """The record, locked until the unit of work ends."""

    @abc.abstractmethod
    async def add(self, record: IdempotencyRecord) -> None:
        """Store a new record; `ConcurrentUpdate` when the key was taken meanwhile."""

    @abc.abstractmethod
    async def save(self, record: IdempotencyRecord) -> None: ...
