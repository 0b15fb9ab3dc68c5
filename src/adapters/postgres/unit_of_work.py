"""The PostgreSQL unit of work: one pooled connection, one transaction."""

from contextlib import suppress
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from adapters.postgres.agents import PostgresAgentRepository
from adapters.postgres.chat_sessions import PostgresChatSessionRepository
from adapters.postgres.conversations import PostgresConversationRepository
from adapters.postgres.errors import translated_errors
from adapters.postgres.idempotency import PostgresIdempotencyRepository
from adapters.postgres.known_agents import KnownAgents
from adapters.postgres.messages import PostgresMessageRepository
from adapters.postgres.pool import Pool, live_connection
from adapters.postgres.session import Session
from application.errors import StoreUnavailable
from application.ports.events import EventPublisher
from application.ports.unit_of_work import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    def __init__(
        self, pool: Pool, publisher: EventPublisher, known_agents: KnownAgents | None = None
    ) -> None:
        super().__init__(publisher)
        self._pool = pool
        self._known_agents = known_agents
        self._connection: AsyncConnection[DictRow] | None = None

    async def _begin(self) -> None:
        with translated_errors():
            self._connection = await live_connection(self._pool)
        self._session = Session(self._connection)
        self._agents = PostgresAgentRepository(self._session, self._known_agents)
        self.agents = self._agents
        self.chat_sessions = PostgresChatSessionRepository(self._session)
        self.conversations = PostgresConversationRepository(self._session, self.chat_sessions)
        self.messages = PostgresMessageRepository(self._session)
        self.idempotency = PostgresIdempotencyRepository(self._session)

    async def act_for(self, agent_id: UUID) -> None:
        # Local to the transaction: the pooled connection forgets it at commit or rollback.
        self._session.set_local("app.agent_id", str(agent_id))

    @property
    def statements(self) -> int:
        """Statements sent so far in this unit of work (BEGIN and COMMIT not counted)."""
        return self._session.statements

    async def _commit(self) -> None:
        await self._session.commit()
        if self._known_agents is not None:
            self._known_agents.remember(self._agents.seen)

    async def _rollback(self) -> None:
        # A lost connection takes its transaction with it; the pool replaces the connection.
        with suppress(StoreUnavailable):
            await self._session.rollback()

    async def _end(self) -> None:
        if self._connection is not None:
            await self._pool.putconn(self._connection)
            self._connection = None
