"""Serialization failures and deadlocks: tried again a bounded number of times, then refused."""

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from adapters.assistant.echo import EchoAssistant
from adapters.clock import SystemClock
from adapters.memory.events import RecordingPublisher
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.context import UseCaseContext
from application.errors import ConcurrentUpdate
from application.policy import ChatPolicy
from application.principal import Principal
from application.transactions import ATTEMPTS
from application.use_cases.send_message import SendMessage, send_message

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]

FAIL_SOME_INSERTS = """
CREATE TABLE failure_plan (sqlstate text NOT NULL, failing_inserts integer NOT NULL);
CREATE SEQUENCE inserts_seen;
CREATE FUNCTION fail_while_some_left() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    planned failure_plan%ROWTYPE;
BEGIN
    SELECT * INTO planned FROM failure_plan;
    IF FOUND AND nextval('inserts_seen') <= planned.failing_inserts THEN
        RAISE EXCEPTION 'forced failure' USING ERRCODE = planned.sqlstate;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fail_some BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION fail_while_some_left();
"""


@pytest.fixture
def failing_inserts(clean_database: str) -> Iterator[str]:
    """The first message inserts fail with the SQLSTATE and count put into `failure_plan`.

    Inserts are counted by a sequence, which a rolled-back transaction does not undo; the
    trigger reads both as the owner, the service's role having no grant on them.
    """
    with psycopg.connect(clean_database, autocommit=True) as connection:
        connection.execute(FAIL_SOME_INSERTS)
    yield clean_database
    with psycopg.connect(clean_database, autocommit=True) as connection:
        connection.execute(
            "DROP TRIGGER fail_some ON messages; DROP FUNCTION fail_while_some_left();"
            " DROP TABLE failure_plan; DROP SEQUENCE inserts_seen"
        )


def context_on(pool: Pool) -> UseCaseContext:
    return UseCaseContext(
        new_unit_of_work=lambda: PostgresUnitOfWork(pool, RecordingPublisher()),
        clock=SystemClock(),
        assistant=EchoAssistant(),
        policy=ChatPolicy(),
    )


def stored(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"], ids=["serialization", "deadlock"])
async def test_a_failure_that_never_clears_is_refused_after_the_bounded_attempts(
    pool: Pool, failing_inserts: str, sqlstate: str
) -> None:
    with psycopg.connect(failing_inserts, autocommit=True) as connection:
        connection.execute("INSERT INTO failure_plan VALUES (%s, 1000)", (sqlstate,))
    with pytest.raises(ConcurrentUpdate):
        await send_message(context_on(pool), Principal("alice"), SendMessage("hello"))
    for table in ("conversations", "conversation_participants", "messages", "chat_sessions"):
        assert stored(failing_inserts, table) == 0
    assert stored(failing_inserts, "iso_agents") == 0


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"], ids=["serialization", "deadlock"])
async def test_a_failure_that_clears_is_retried_and_the_send_is_stored_once(
    pool: Pool, failing_inserts: str, sqlstate: str
) -> None:
    with psycopg.connect(failing_inserts, autocommit=True) as connection:
        connection.execute("INSERT INTO failure_plan VALUES (%s, %s)", (sqlstate, ATTEMPTS - 1))
    turn = await send_message(context_on(pool), Principal("alice"), SendMessage("hello"))
    assert turn.user_message.sequence == 1
    assert stored(failing_inserts, "messages") == 2
    assert stored(failing_inserts, "conversations") == 1
