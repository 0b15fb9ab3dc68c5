"""The unit of work under test: in memory and on PostgreSQL, each test on empty tables."""

from collections.abc import AsyncIterator

import pytest
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from adapters.memory.events import RecordingPublisher
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.postgres.pool import create_pool
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.ports.unit_of_work import UnitOfWorkFactory


@pytest.fixture
async def pool(
    clean_database: str, app_database_url: str
) -> AsyncIterator[AsyncConnectionPool[AsyncConnection[DictRow]]]:
    """Connections of the service's role to the test database."""
    pool = create_pool(app_database_url, min_size=1, max_size=20)
    await pool.open(wait=True)
    yield pool
    await pool.close()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture(params=["memory", "postgres"])
def new_unit_of_work(
    request: pytest.FixtureRequest, publisher: RecordingPublisher
) -> UnitOfWorkFactory:
    """One factory per adapter: every contract test runs against both."""
    if request.param == "memory":
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store, publisher)
    pool = request.getfixturevalue("pool")
    return lambda: PostgresUnitOfWork(pool, publisher)
