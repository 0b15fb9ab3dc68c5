"""The connection pool: created closed, opened and closed by the owner of its lifetime."""

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


async def _configure(connection: AsyncConnection[DictRow]) -> None:
    await connection.set_autocommit(False)


def create_pool(
    database_url: str, *, min_size: int = 2, max_size: int = 10, timeout_s: float = 5.0
) -> Pool:
    """A closed pool; `await pool.open(wait=True)` before use, `await pool.close()` after.

    A caller waits at most `timeout_s` for a connection before the store counts as unavailable;
    broken connections are replaced in the background, so the pool recovers by itself.
    """
    return AsyncConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout_s,
        open=False,
        connection_class=AsyncConnection[DictRow],
        kwargs={"row_factory": dict_row, "prepare_threshold": 1, "options": "-c TimeZone=UTC"},
        configure=_configure,
        reconnect_timeout=float("inf"),
    )
