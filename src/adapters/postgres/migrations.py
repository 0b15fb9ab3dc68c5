"""Versioned SQL migrations, applied once each, safe when several processes start at once.

A migration is `migrations/NNNN_name.sql` beside this module. All pending ones run in one
transaction under an advisory lock, and each is recorded in `schema_migrations`.
"""

from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
import structlog

MIGRATION_LOCK = 0x7061726C6579  # "parley"
_log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    folder = resources.files(__package__).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(found, key=lambda m: m.version)


async def migrate(database_url: str) -> list[int]:
    """Apply the migrations the database lacks; return the versions applied."""
    connection = await psycopg.AsyncConnection.connect(database_url)
    async with connection, connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor = await connection.execute("SELECT version FROM schema_migrations")
        applied = {row[0] for row in await cursor.fetchall()}
        pending = [m for m in available_migrations() if m.version not in applied]
        for migration in pending:
            await _apply(connection, migration)
    return [m.version for m in pending]


async def _apply(connection: psycopg.AsyncConnection[Any], migration: Migration) -> None:
    await connection.execute(migration.sql.encode())
    await connection.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
        (migration.version, migration.name),
    )
    _log.info("migration_applied", version=migration.version, name=migration.name)
