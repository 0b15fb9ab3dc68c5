"""One unit of work's connection: reads go out at once, writes wait to go out together.

Writes are queued and sent in one pipeline before the next read or at commit, so a send's
writes cost one round trip. Every error comes out as the application's.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from adapters.postgres.errors import translated_errors

Params = Mapping[str, Any] | Sequence[Any]


def changing_one_row(update: str) -> str:
    """`update`, made to fail the transaction with a serialization failure unless it changes
    a row: another unit of work changed or removed it first."""
    return (
        f"WITH changed AS ({update} RETURNING 1)"
        " SELECT parley_expect_rows(count(*), 1) FROM changed"
    )


class Session:
    def __init__(self, connection: AsyncConnection[DictRow]) -> None:
        self._connection = connection
        self._queued: list[tuple[str, Params]] = []
        self.statements = 0
        """How many statements this unit of work sent, for measurements."""

    async def fetch_all(self, sql: str, params: Params = ()) -> list[DictRow]:
        await self.flush()
        with translated_errors():
            cursor = await self._connection.execute(sql, params)
            self.statements += 1
            return await cursor.fetchall()

    async def fetch_one(self, sql: str, params: Params = ()) -> DictRow | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    def write(self, sql: str, params: Params) -> None:
        """Queue a write, sent before the next read or with the commit."""
        self._queued.append((sql, params))

    async def flush(self) -> None:
        await self._send(commit=False)

    async def commit(self) -> None:
        await self._send(commit=True)

    async def rollback(self) -> None:
        self._queued.clear()
        with translated_errors():
            await self._connection.rollback()

    async def _send(self, *, commit: bool) -> None:
        queued, self._queued = self._queued, []
        if not queued and not commit:
            return
        with translated_errors():
            async with self._connection.pipeline():
                for sql, params in queued:
                    await self._connection.execute(sql, params)
                self.statements += len(queued)
                if commit:
                    await self._connection.commit()
