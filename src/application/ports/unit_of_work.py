"""The unit-of-work port: one atomic transaction over every repository."""

import abc
from collections.abc import Callable
from types import TracebackType
from typing import Self
from uuid import UUID

from application.ports.events import EventPublisher
from application.ports.repositories import (
    AgentRepository,
    ChatSessionRepository,
    ConversationRepository,
    IdempotencyRepository,
    MessageRepository,
)
from domain.events import DomainEvent


class UnitOfWork(abc.ABC):
    """One transaction: everything written through it is stored by `commit`, or nothing is.

    Leaving the `async with` block without `commit` rolls back, whatever the reason. After a
    successful commit the domain events of every aggregate written are handed to the publisher.
    `commit` raises `ConcurrentUpdate` when a concurrent unit of work won a race (the work may
    be tried again) and `StoreUnavailable` when the store cannot be reached.

    Until `act_for` names the agent it works for, a unit of work sees no conversation, no
    participant, chat session or message, and may write none; agents and idempotency records
    are not kept from it.
    """

    agents: AgentRepository
    conversations: ConversationRepository
    messages: MessageRepository
    chat_sessions: ChatSessionRepository
    idempotency: IdempotencyRepository

    def __init__(self, publisher: EventPublisher) -> None:
        self._publisher = publisher
        self._committed = False

    async def __aenter__(self) -> Self:
        await self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self._rollback()
        finally:
            await self._end()

    async def commit(self) -> None:
        events = self._take_events()
        await self._commit()
        self._committed = True
        await self._publisher.publish(events)

    @abc.abstractmethod
    async def act_for(self, agent_id: UUID) -> None:
        """From here on in this unit of work, rows of conversations this agent is not an
        active participant of are invisible: adding to them fails with `AccessRefused`,
        saving them with `ConcurrentUpdate`, as for rows another unit of work removed."""

    def _take_events(self) -> list[DomainEvent]:
        sources = (self.agents, self.conversations, self.chat_sessions)
        return [event for source in sources for event in source.take_events()]

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self) -> None: ...

    @abc.abstractmethod
    async def _rollback(self) -> None: ...

    @abc.abstractmethod
    async def _end(self) -> None:
        """Give back what `_begin` took (a connection, locks), committed or not."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
