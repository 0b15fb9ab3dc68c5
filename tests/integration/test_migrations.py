"""Migrations: each applied once, recorded, and safe when two processes start together."""

import asyncio
from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from adapters.postgres.migrations import available_migrations, migrate


@pytest.fixture
def empty_database(postgres_server_url: str) -> Iterator[str]:
    name = f"parley_migrations_{uuid4().hex[:8]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_conninfo(postgres_server_url, dbname=name)
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def recorded_versions(url: str) -> list[int]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [row[0] for row in rows.fetchall()]


async def test_every_migration_is_applied_once_and_recorded(empty_database: str) -> None:
    every = [m.version for m in available_migrations()]
    assert await migrate(empty_database) == every
    assert await migrate(empty_database) == []
    assert recorded_versions(empty_database) == every


async def test_two_processes_migrating_at_once_apply_each_migration_once(
    empty_database: str,
) -> None:
    first, second = await asyncio.gather(migrate(empty_database), migrate(empty_database))
    assert sorted([*first, *second]) == [m.version for m in available_migrations()]
    assert recorded_versions(empty_database) == [m.version for m in available_migrations()]


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, len(versions) + 1))


@pytest.fixture
def two_empty_databases(postgres_server_url: str) -> Iterator[tuple[str, str]]:
    names = [f"parley_migrations_{uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    first, second = (make_conninfo(postgres_server_url, dbname=name) for name in names)
    yield first, second
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


async def test_a_service_role_created_meanwhile_by_another_database_migration_is_used(
    postgres_server_url: str, two_empty_databases: tuple[str, str]
) -> None:
    """Roles belong to the whole server: the migration of another database may be creating
    the same role, not yet committed, when this one finds it missing."""
    first, second = two_empty_databases
    role = f"parley_service_{uuid4().hex[:8]}"
    try:
        async with await psycopg.AsyncConnection.connect(first) as other_migration:
            await other_migration.execute(
                sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role))
            )
            migrating = asyncio.create_task(migrate(second, role))
            await asyncio.sleep(0.5)  # until it waits for the other's role
            assert not migrating.done()
            await other_migration.commit()
        assert await migrating == [m.version for m in available_migrations()]
        with psycopg.connect(make_conninfo(second, user=role)) as service:
            may_insert = service.execute("SELECT has_table_privilege('messages', 'INSERT')")
            assert may_insert.fetchone() == (True,)
    finally:
        with psycopg.connect(second, autocommit=True) as owner:
            owner.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with psycopg.connect(postgres_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
