"""The pool's connections: each statement planned once, whatever its parameters."""

from uuid import uuid4

from adapters.postgres.messages import PostgresMessageRepository
from adapters.postgres.pool import create_pool, live_connection
from adapters.postgres.session import Session


async def test_a_history_page_is_planned_once_for_every_conversation(app_database_url: str) -> None:
    pool = create_pool(app_database_url, min_size=1, max_size=1)
    await pool.open(wait=True)
    try:
        connection = await live_connection(pool)
        try:
            messages = PostgresMessageRepository(Session(connection))
            for _ in range(8):
                await messages.newest(uuid4(), 50)
            plans = await (
                await connection.execute(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE 'SELECT * FROM messages%'"
                )
            ).fetchall()
            await connection.rollback()
        finally:
            await pool.putconn(connection)
    finally:
        await pool.close()
    # Prepared at the second run: one generic plan made, then reused by the rest.
    assert plans == [{"generic_plans": 7, "custom_plans": 0}]
