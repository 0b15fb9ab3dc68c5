"""A real PostgreSQL for every test that needs one, isolated per test session."""

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from adapters.postgres.embedded import EmbeddedPostgres
from adapters.postgres.migrations import migrate
from adapters.postgres.roles import SERVICE_ROLE
from database_checks import conversations_missing_a_member


def outside_pytest_temp() -> Iterator[Path]:
    """A fresh folder for an embedded server's data.

    Not under pytest's own temporary folder: every pytest run resets that folder's mode to
    0700, which would lock out the system user the embedded server runs as under root.
    """
    folder = Path(tempfile.mkdtemp(prefix="parley-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


data_dir = pytest.fixture(outside_pytest_temp)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """`PARLEY_TEST_DATABASE_URL` when set, otherwise an embedded server for this session."""
    configured = os.environ.get("PARLEY_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    for folder in outside_pytest_temp():
        embedded = EmbeddedPostgres(folder)
        yield embedded.start()
        embedded.stop()


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A migrated database of its own, dropped when the session ends: the owner's URL."""
    name = f"parley_test_{uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_conninfo(postgres_server_url, dbname=name)
    asyncio.run(migrate(url))
    yield url
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def app_database_url(database_url: str) -> str:
    """The same database as the service's role, which row-level security holds to its agent."""
    return make_conninfo(database_url, user=SERVICE_ROLE)


TABLES = (
    "idempotency_keys, messages, chat_sessions, conversation_members, conversation_participants,"
    " conversations, iso_agents"
)


@pytest.fixture
def clean_database(database_url: str) -> Iterator[str]:
    """The test database (the owner's URL), emptied after the test once no conversation lacks
    a member."""
    yield database_url
    with psycopg.connect(database_url) as connection:
        broken = conversations_missing_a_member(connection)
        connection.execute(f"TRUNCATE {TABLES}")
    assert broken == [], "conversations without an active agent or an AI participant"
