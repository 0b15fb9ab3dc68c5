"""Sends on a real PostgreSQL: ordered under concurrency, exactly once under retries, atomic."""

import asyncio
from collections.abc import Sequence

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
from application.errors import IdempotencyInProgress
from application.policy import ChatPolicy
from application.ports.assistant import AssistantReply
from application.principal import Principal
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import ChatTurn, SendMessage, send_message
from domain.message import Message

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]
ALICE = Principal("alice")


class CountingAssistant(EchoAssistant):
    """Echoes, slowly enough for concurrent requests to overlap, and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.calls += 1
        await asyncio.sleep(0.05)
        return await super().reply(history)


def context_on(pool: Pool, assistant: EchoAssistant | None = None) -> UseCaseContext:
    return UseCaseContext(
        new_unit_of_work=lambda: PostgresUnitOfWork(pool, RecordingPublisher()),
        clock=SystemClock(),
        assistant=assistant or EchoAssistant(),
        policy=ChatPolicy(),
    )


def count(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


async def test_fifty_concurrent_sends_to_one_conversation_are_numbered_without_gaps(
    pool: Pool, clean_database: str
) -> None:
    context = context_on(pool)
    started = await init_chat(context, ALICE, InitChat())
    conversation_id = started.conversation.id
    await asyncio.gather(
        *(
            send_message(context, ALICE, SendMessage(f"message {n}", conversation_id))
            for n in range(50)
        )
    )
    with psycopg.connect(clean_database) as connection:
        rows = connection.execute(
            "SELECT sequence FROM messages WHERE conversation_id = %s ORDER BY sequence",
            (conversation_id,),
        ).fetchall()
        stored = connection.execute(
            "SELECT last_sequence FROM conversations WHERE id = %s", (conversation_id,)
        ).fetchone()
    assert [row[0] for row in rows] == list(range(1, 101))
    assert stored == (100,)


async def test_ten_concurrent_retries_store_one_message_and_ask_the_assistant_once(
    pool: Pool, clean_database: str
) -> None:
    assistant = CountingAssistant()
    context = context_on(pool, assistant)
    command = SendMessage("hello", client_message_id="retry-me")
    outcomes = await asyncio.gather(
        *(send_message(context, ALICE, command) for _ in range(10)), return_exceptions=True
    )
    turns = [o for o in outcomes if isinstance(o, ChatTurn)]
    assert all(isinstance(o, ChatTurn | IdempotencyInProgress) for o in outcomes)
    assert len({t.user_message.id for t in turns}) == 1
    assert assistant.calls == 1
    assert count(clean_database, "messages") == 2
    assert count(clean_database, "conversations") == 1
    retried = await send_message(context, ALICE, command)
    assert retried.user_message.id == turns[0].user_message.id
    assert not retried.created


async def test_a_write_refused_by_the_database_midway_leaves_no_row_behind(
    pool: Pool, clean_database: str
) -> None:
    with psycopg.connect(clean_database) as connection:
        connection.execute(
            "CREATE FUNCTION refuse_message() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'refused'; END $$;"
            " CREATE TRIGGER refuse BEFORE INSERT ON messages"
            " FOR EACH ROW WHEN (NEW.content = 'refuse me') EXECUTE FUNCTION refuse_message()"
        )
    try:
        with pytest.raises(psycopg.errors.RaiseException, match="refused"):
            await send_message(context_on(pool), ALICE, SendMessage("refuse me"))
        assert count(clean_database, "conversations") == 0
        assert count(clean_database, "conversation_participants") == 0
        assert count(clean_database, "chat_sessions") == 0
        assert count(clean_database, "messages") == 0
        assert count(clean_database, "iso_agents") == 0
    finally:
        with psycopg.connect(clean_database) as connection:
            connection.execute("DROP TRIGGER refuse ON messages; DROP FUNCTION refuse_message()")


class BreakAfterFlush(PostgresUnitOfWork):
    """Fails on the first write that follows a read, once earlier writes reached the server."""

    async def _begin(self) -> None:
        await super()._begin()
        original = self.messages.add

        async def add_then_fail(message: Message) -> None:
            await original(message)
            await self.messages.newest(message.conversation_id, 1)  # flushes every write
            raise RuntimeError("crash between two statements")

        self.messages.add = add_then_fail  # type: ignore[method-assign]


async def test_a_crash_after_some_statements_ran_leaves_no_row_behind(
    pool: Pool, clean_database: str
) -> None:
    context = UseCaseContext(
        new_unit_of_work=lambda: BreakAfterFlush(pool, RecordingPublisher()),
        clock=SystemClock(),
        assistant=EchoAssistant(),
        policy=ChatPolicy(),
    )
    with pytest.raises(RuntimeError, match="between two statements"):
        await send_message(context, ALICE, SendMessage("hello"))
    for table in ("iso_agents", "conversations", "conversation_participants", "messages"):
        assert count(clean_database, table) == 0
