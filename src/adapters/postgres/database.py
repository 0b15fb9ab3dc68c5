"""The PostgreSQL store over its lifetime: server, migrations, pool, units of work."""

import asyncio
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from adapters.postgres.embedded import EmbeddedPostgres
from adapters.postgres.known_agents import KnownAgents
from adapters.postgres.migrations import migrate
from adapters.postgres.pool import Pool, create_pool, live_connection
from adapters.postgres.roles import SERVICE_ROLE, ServiceRoleRefused, check_service_role
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.ports.events import EventPublisher
from application.ports.unit_of_work import UnitOfWork


class PostgresDatabase:
    """Uses the server at `url`, or an embedded one kept in `data_dir` when `url` is None.

    `url` is the owner's, for migrations. Units of work connect as the service's role: the
    role of `service_url`, or `parley_app` on the same server and database when it is None.
    `start` brings the schema up to date, opens the pool and makes sure its role is subject to
    row-level security (`ServiceRoleRefused` if not); `stop` closes both.
    """

    def __init__(
        self,
        url: str | None,
        data_dir: Path,
        publisher: EventPublisher,
        *,
        service_url: str | None = None,
        pool_min: int = 2,
        pool_max: int = 10,
        pool_timeout_s: float = 5.0,
    ) -> None:
        self._configured_url = url
        self._service_url = service_url
        self._embedded = None if url else EmbeddedPostgres(data_dir)
        self._publisher = publisher
        self._pool_sizes = (pool_min, pool_max, pool_timeout_s)
        self._pool: Pool | None = None
        self._known_agents = KnownAgents()

    async def start(self, *, migrate_schema: bool = True) -> None:
        url = await self._url()
        service_url = self._service_url or make_conninfo(url, user=SERVICE_ROLE)
        if migrate_schema:
            await migrate(url, service_role_of(service_url))
        low, high, timeout = self._pool_sizes
        pool = create_pool(service_url, min_size=low, max_size=high, timeout_s=timeout)
        await pool.open(wait=True, timeout=max(timeout, 10.0))
        try:
            async with pool.connection() as connection:
                await check_service_role(connection)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def _url(self) -> str:
        """The server's URL, starting the embedded server first if there is one."""
        if self._embedded is None:
            assert self._configured_url is not None
            return self._configured_url
        return await asyncio.to_thread(self._embedded.start)

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)

    def new_unit_of_work(self) -> UnitOfWork:
        if self._pool is None:
            raise RuntimeError("the database is not started")
        return PostgresUnitOfWork(self._pool, self._publisher, self._known_agents)

    async def is_ready(self) -> bool:
        """True when the database answers a query within the pool's timeout."""
        if self._pool is None:
            return False
        try:
            connection = await live_connection(self._pool)
        except (psycopg.Error, TimeoutError, OSError):
            return False
        try:
            await connection.execute("SELECT 1")
        except (psycopg.Error, TimeoutError, OSError):
            return False
        finally:
            await self._pool.putconn(connection)
        return True


def service_role_of(service_url: str) -> str:
    """The role a connection string names; `ServiceRoleRefused` when it names none."""
    role = conninfo_to_dict(service_url).get("user")
    if not role:
        raise ServiceRoleRefused("the service's connection string names no user")
    return str(role)
