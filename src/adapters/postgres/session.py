"""One unit of work's connection: reads go out at once, writes wait to go out with them.

Writes are queued and sent with the next read or the commit, as few statements as
`writes.statements_for` can make of them, in one pipeline with it: a send's writes cost one
statement and no round trip of their own. Every error comes out as the application's.
"""

from typing import Any

from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow

from adapters.postgres.errors import translated_errors
from adapters.postgres.writes import Params, Write, statements_for


class Session:
    def __init__(self, connection: AsyncConnection[DictRow]) -> None:
        self._connection = connection
        self._queued: list[Write] = []
        self._settings: dict[str, str] = {}
        self._settings_sent: dict[str, str] = {}
        self.statements = 0
        """How many statements this unit of work sent, for measurements."""

    async def fetch_all(
        self, sql: str, params: Params = (), *, unguarded: bool = False
    ) -> list[DictRow]:
        """The rows `sql` reads, sent in one pipeline after what is queued.

        A read of tables without row-level security (`unguarded`) lets queued settings wait
        for the next statement when no write is queued: they then go out with it, not in a
        statement of their own."""
        queued = [] if unguarded and not self._queued else self._take_queued()
        with translated_errors():
            if not queued:
                cursor = await self._execute(sql, params)
            else:
                async with self._connection.pipeline():
                    await self._execute_all(queued)
                    cursor = await self._execute(sql, params)
            return await cursor.fetchall()

    async def fetch_one(
        self, sql: str, params: Params = (), *, unguarded: bool = False
    ) -> DictRow | None:
        rows = await self.fetch_all(sql, params, unguarded=unguarded)
        return rows[0] if rows else None

    def write(self, sql: str, params: Params, *, expect_rows: int | None = None) -> None:
        """Queue an INSERT or UPDATE, sent before the next read or with the commit.

        With `expect_rows`, the transaction fails with a serialization failure unless the
        write changes that many rows: another unit of work changed or removed them first.
        """
        self._queued.append(Write.of(sql, params, expect_rows))

    def set_local(self, name: str, value: str) -> None:
        """Queue setting `name` to `value` until the transaction ends: sent before the next
        read or with the commit, ahead of the queued writes, in one statement with the other
        settings queued; nothing when the transaction already has that value."""
        if self._settings_sent.get(name) == value:
            self._settings.pop(name, None)
            return
        self._settings[name] = value

    async def commit(self) -> None:
        """Send what is queued and commit, in one pipeline."""
        statements = self._take_queued()
        with translated_errors():
            async with self._connection.pipeline():
                await self._execute_all(statements)
                await self._connection.commit()
        self._settings_sent.clear()

    async def rollback(self) -> None:
        self._queued.clear()
        self._settings.clear()
        self._settings_sent.clear()
        with translated_errors():
            await self._connection.rollback()

    async def _execute(self, sql: str, params: Params) -> AsyncCursor[DictRow]:
        self.statements += 1
        return await self._connection.execute(sql, params)

    async def _execute_all(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        for sql, params in statements:
            await self._execute(sql, params)

    def _take_queued(self) -> list[tuple[str, tuple[Any, ...]]]:
        queued, self._queued = self._queued, []
        settings, self._settings = self._settings, {}
        self._settings_sent |= settings
        return _settings_statement(settings) + statements_for(queued)


def _settings_statement(settings: dict[str, str]) -> list[tuple[str, tuple[Any, ...]]]:
    if not settings:
        return []
    calls = ", ".join(["set_config(%s, %s, true)"] * len(settings))
    return [(f"SELECT {calls}", tuple(part for pair in settings.items() for part in pair))]
