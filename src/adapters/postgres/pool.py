"""The connection pool: created closed, opened and closed by the owner of its lifetime."""

import select

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]

SESSION_SETTINGS = {"TimeZone": "UTC", "plan_cache_mode": "force_generic_plan"}
"""Each statement is prepared once per connection and planned once: the service asks only for
rows by key and for ranges its indexes bound, which one plan serves for any parameters. Left
to choose, PostgreSQL planned a history page anew on every send (it rates a conversation it
finds in no statistics cheaper than a generic one), and under row-level security that planning
cost more than running the page."""


def session_options() -> str:
    """`SESSION_SETTINGS` as libpq's `options` (or `PGOPTIONS`) give them."""
    return " ".join(f"-c {name}={value}" for name, value in SESSION_SETTINGS.items())


async def _configure(connection: AsyncConnection[DictRow]) -> None:
    await connection.set_autocommit(False)


def create_pool(
    database_url: str, *, min_size: int = 2, max_size: int = 10, timeout_s: float = 5.0
) -> Pool:
    """A closed pool; `await pool.open(wait=True)` before use, `await pool.close()` after.

    A caller waits at most `timeout_s` for a connection before the store counts as unavailable;
    broken connections are replaced in the background, so the pool recovers by itself.

    A replacement is tried again and again, each time twice as long after the last (1 s, 2 s,
    4 s...), but for `timeout_s` at most: then the pool gives it up, and the next caller that
    finds no connection starts a new one at once. Tried for ever, the delays would keep
    doubling through a long outage, and the pool would be as late again to notice that the
    database came back.
    """
    return AsyncConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout_s,
        open=False,
        connection_class=AsyncConnection[DictRow],
        kwargs={
            "row_factory": dict_row,
            "prepare_threshold": 1,
            "options": session_options(),
        },
        configure=_configure,
        reconnect_timeout=timeout_s,
    )


async def live_connection(pool: Pool) -> AsyncConnection[DictRow]:
    """A connection of `pool` that is not known to be dead; `pool.putconn` it after use.

    A connection can die while it waits in the pool (its backend was terminated, the server
    restarted) and nothing shows until it is used. The ones found dead here are closed and
    given back, for the pool to replace, before any statement goes out on them: a unit of
    work never starts on a connection that was dead before it began.
    Raises `PoolTimeout` when no connection comes within the pool's timeout.
    """
    for _ in range(pool.max_size):
        connection = await pool.getconn()
        if still_connected(connection):
            return connection
        await connection.close()
        await pool.putconn(connection)
    return await pool.getconn()


def still_connected(connection: AsyncConnection[DictRow]) -> bool:
    """Whether an idle connection may still work, found without a round trip.

    PostgreSQL sends nothing unasked to an idle session that does not LISTEN, except its last
    words when the backend goes away: a FATAL error, then the end of the stream. So anything
    to read on an idle connection's socket means it is going or gone. (Should the server
    ever send something harmless, such as a changed parameter, the connection is replaced
    all the same: a reconnection, nothing worse.)
    """
    if connection.closed or connection.broken:
        return False
    try:
        socket = connection.fileno()
    except psycopg.Error:
        return False
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return not poller.poll(0)
