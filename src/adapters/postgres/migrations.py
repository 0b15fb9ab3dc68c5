"""Versioned SQL migrations, applied once each, safe when several processes start at once.

A migration is `migrations/NNNN_name.sql` beside this module. All pending ones run in one
transaction under an advisory lock, and each is recorded in `schema_migrations`. The same
transaction makes sure the service's role exists and holds the privileges it needs, no more.
"""

from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
import structlog
from psycopg import errors as pg_errors
from psycopg import sql

from adapters.postgres.roles import SERVICE_ROLE, ServiceRoleRefused

MIGRATION_LOCK = 0x7061726C6579  # "parley"
_log = structlog.get_logger(__name__)

SERVICE_TABLE_PRIVILEGES = {
    "iso_agents": ("SELECT", "INSERT"),
    "conversations": ("SELECT", "INSERT", "UPDATE"),
    "conversation_participants": ("SELECT", "INSERT", "UPDATE"),
    "conversation_members": ("SELECT",),
    "chat_sessions": ("SELECT", "INSERT", "UPDATE"),
    "messages": ("SELECT", "INSERT"),
    "idempotency_keys": ("SELECT", "INSERT", "UPDATE"),
}
"""What the service's role may do to each table; row-level security narrows the rows."""

SERVICE_FUNCTIONS = (
    "parley_expect_rows(bigint, integer)",
    "parley_acting_agent()",
    "parley_focus()",
    "parley_owner()",
    "parley_in_membership_lookup()",
    "parley_may_add(uuid, uuid)",
    "parley_starts(uuid)",
)
"""The functions its statements and the policies call."""


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


async def migrate(database_url: str, service_role: str = SERVICE_ROLE) -> list[int]:
    """Apply the migrations the database lacks, as the owner of its tables, and grant
    `service_role` (created if missing) what the service needs; return the versions applied.

    Raises `ServiceRoleRefused` when the role is missing and cannot be created.
    """
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
        await _grant_service_role(connection, service_role)
    return [m.version for m in pending]


async def _apply(connection: psycopg.AsyncConnection[Any], migration: Migration) -> None:
    await connection.execute(migration.sql.encode())
    await connection.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
        (migration.version, migration.name),
    )
    _log.info("migration_applied", version=migration.version, name=migration.name)


async def _grant_service_role(connection: psycopg.AsyncConnection[Any], role: str) -> None:
    await _ensure_role(connection, role)
    grantee = sql.Identifier(role)
    cursor = await connection.execute("SELECT current_schema()")
    schema = (await cursor.fetchone() or ("public",))[0]
    await connection.execute(
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), grantee)
    )
    for table, privileges in SERVICE_TABLE_PRIVILEGES.items():
        await connection.execute(
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                sql.SQL(", ").join(map(sql.SQL, privileges)), sql.Identifier(table), grantee
            )
        )
    await connection.execute(
        sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
            sql.SQL(", ").join(map(sql.SQL, SERVICE_FUNCTIONS)), grantee
        )
    )


async def _ensure_role(connection: psycopg.AsyncConnection[Any], role: str) -> None:
    """Create `role` unless it exists; roles belong to the whole server, so another database's
    migration may create it at the same moment."""
    cursor = await connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    if await cursor.fetchone() is not None:
        return
    try:
        async with connection.transaction():
            await connection.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                ).format(sql.Identifier(role))
            )
    except (pg_errors.DuplicateObject, pg_errors.UniqueViolation):
        return
    except pg_errors.InsufficientPrivilege as refused:
        raise ServiceRoleRefused(
            f"the role {role!r} the service connects as does not exist, and the migrating role"
            f" may not create it: {refused.diag.message_primary}"
        ) from None
    _log.info("service_role_created", role=role)
