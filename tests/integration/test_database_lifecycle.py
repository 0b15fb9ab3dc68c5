"""The embedded server keeps its data across restarts; the pool outlives a lost database."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest

from adapters.memory.events import RecordingPublisher
from adapters.postgres.embedded import EmbeddedPostgres
from adapters.postgres.migrations import migrate
from adapters.postgres.pool import Pool, create_pool
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.errors import StoreUnavailable
from domain.agent import Agent
from integration.builders import T0


async def test_the_embedded_database_keeps_its_data_across_restarts(data_dir: Path) -> None:
    server = EmbeddedPostgres(data_dir)
    url = server.start()
    await migrate(url)
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO iso_agents (id, external_user_id, created_at) VALUES"
            " (gen_random_uuid(), 'kept', now())"
        )
    server.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2).close()

    restarted = EmbeddedPostgres(data_dir)
    url = restarted.start()
    try:
        with psycopg.connect(url) as connection:
            kept = connection.execute("SELECT external_user_id FROM iso_agents").fetchall()
        assert kept == [("kept",)]
        assert await migrate(url) == []
    finally:
        restarted.stop()


@asynccontextmanager
async def pool_on_embedded(
    data_dir: Path, *, max_size: int
) -> AsyncIterator[tuple[EmbeddedPostgres, Pool]]:
    """A migrated embedded server in `data_dir` and an open pool on it (1 s timeout); both
    closed afterwards."""
    server = EmbeddedPostgres(data_dir)
    url = server.start()
    await migrate(url)
    pool = create_pool(url, min_size=1, max_size=max_size, timeout_s=1)
    await pool.open(wait=True)
    try:
        yield server, pool
    finally:
        await pool.close()
        server.stop()


async def test_a_lost_database_is_unavailable_and_the_pool_recovers_when_it_returns(
    data_dir: Path,
) -> None:
    async with pool_on_embedded(data_dir, max_size=2) as (server, pool):
        server.stop()
        with pytest.raises(StoreUnavailable):
            async with PostgresUnitOfWork(pool, RecordingPublisher()) as uow:
                await uow.agents.list_all()

        server.start()
        await pool.check()
        async with PostgresUnitOfWork(pool, RecordingPublisher()) as uow:
            await uow.agents.add(Agent.provision("back", T0))
            await uow.commit()
        async with PostgresUnitOfWork(pool, RecordingPublisher()) as uow:
            assert [a.external_user_id for a in await uow.agents.list_all()] == ["back"]


async def test_after_a_long_outage_the_first_unit_of_work_once_the_database_is_back_succeeds(
    data_dir: Path,
) -> None:
    """The pool's reconnection delays double while the database is away (1 s, 2 s, 4 s...);
    they must not keep it from the database once that is back."""
    async with pool_on_embedded(data_dir, max_size=1) as (server, pool):
        await asyncio.to_thread(server.stop)
        away_until = time.monotonic() + 3
        while time.monotonic() < away_until:
            with pytest.raises(StoreUnavailable):
                async with PostgresUnitOfWork(pool, RecordingPublisher()) as uow:
                    await uow.agents.list_all()
        await asyncio.to_thread(server.start)

        async with PostgresUnitOfWork(pool, RecordingPublisher()) as uow:
            assert await uow.agents.list_all() == []
