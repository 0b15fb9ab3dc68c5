"""The unit of work under test: in memory and on PostgreSQL, each test on empty tables."""

from collections.abc import AsyncIterator, Iterator

import psycopg
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

TABLES = (
    "idempotency_keys, messages, chat_sessions, conversation_participants,"
    " conversations, iso_agents"
)

CONVERSATIONS_MISSING_A_MEMBER = """
SELECT c.id FROM conversations c
WHERE NOT EXISTS (
    SELECT 1 FROM conversation_participants p
    WHERE p.conversation_id = c.id AND p.role = 'iso_agent' AND p.is_active)
OR (SELECT count(*) FROM conversation_participants p
    WHERE p.conversation_id = c.id AND p.role = 'ai_assistant') <> 1
"""


@pytest.fixture
def clean_database(database_url: str) -> Iterator[str]:
    """The test database, emptied after the test once no conversation lacks a member."""
    yield database_url
    with psycopg.connect(database_url) as connection:
        broken = connection.execute(CONVERSATIONS_MISSING_A_MEMBER).fetchall()
        connection.execute(f"TRUNCATE {TABLES}")
    assert broken == [], "conversations without an active agent or an AI participant"


@pytest.fixture
async def pool(clean_database: str) -> AsyncIterator[AsyncConnectionPool[AsyncConnection[DictRow]]]:
    pool = create_pool(clean_database, min_size=1, max_size=20)
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
