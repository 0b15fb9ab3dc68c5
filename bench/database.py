"""The PostgreSQL a benchmark runs on: a fresh database of its own, migrated like Parley's.

`PARLEY_BENCH_DATABASE_URL` names a server to use (the database is dropped afterwards); without
it an embedded PostgreSQL (pgserver) starts in a temporary folder that is removed afterwards.
"""

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from adapters.postgres.embedded import EmbeddedPostgres
from adapters.postgres.migrations import migrate
from adapters.postgres.roles import SERVICE_ROLE

URL_VARIABLE = "PARLEY_BENCH_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class ServerFacts:
    version: str
    synchronous_commit: str
    fsync: str
    shared_buffers: str


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    url: str
    """The benchmark's own database, as its owner: Parley migrates it and the seeders fill it
    through this URL; Parley and pgbench send as the service's role (`service_url`)."""
    embedded: bool
    postmaster_pid: int | None
    """The server's main process when it runs here (embedded), to measure its CPU time."""

    @property
    def service_url(self) -> str:
        """The same database as the service's role, subject to row-level security."""
        return make_conninfo(self.url, user=SERVICE_ROLE)

    def facts(self) -> ServerFacts:
        with psycopg.connect(self.url) as connection:

            def setting(name: str) -> str:
                row = connection.execute("SELECT current_setting(%s)", (name,)).fetchone()
                assert row is not None
                return str(row[0])

            return ServerFacts(
                version=setting("server_version"),
                synchronous_commit=setting("synchronous_commit"),
                fsync=setting("fsync"),
                shared_buffers=setting("shared_buffers"),
            )


@contextmanager
def bench_database() -> Iterator[BenchDatabase]:
    """A migrated, empty database, gone when the block ends however it ends."""
    configured = os.environ.get(URL_VARIABLE, "").strip()
    if configured:
        with _fresh_database(configured) as url:
            yield BenchDatabase(url, embedded=False, postmaster_pid=None)
        return
    with _embedded_server() as (server_url, pid), _fresh_database(server_url) as url:
        yield BenchDatabase(url, embedded=True, postmaster_pid=pid)


@contextmanager
def _embedded_server() -> Iterator[tuple[str, int]]:
    # A folder of its own, not under one that a test runner locks down to 0700: under root,
    # pgserver runs PostgreSQL as a system user of its own, which must reach the data folder.
    folder = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    server = EmbeddedPostgres(folder)
    try:
        url = server.start()
        pid = int((folder / "postgres" / "postmaster.pid").read_text().split()[0])
        yield url, pid
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _fresh_database(server_url: str) -> Iterator[str]:
    name = f"parley_bench_{uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_conninfo(server_url, dbname=name)
        asyncio.run(migrate(url))
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
