"""What Parley really sends to PostgreSQL for one request, recorded in this process.

The Litestar app is built from the real container, as `parley serve` builds it, and called
in-process; every unit of work's `Session` is swapped for a subclass that records each
statement, its parameters and the rows it read, then does exactly what the adapter does.
"""

import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from litestar.testing import AsyncTestClient
from psycopg import AsyncConnection
from psycopg.rows import DictRow

import adapters.postgres.unit_of_work
from adapters.postgres.session import Session
from adapters.postgres.writes import Params
from entrypoints.asgi import build_app
from entrypoints.container import Container
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings

SETTING = "SELECT set_config("


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    params: Params
    reads: bool
    """Sent at once, its rows awaited; otherwise the writes queued until the next read or the
    commit, sent with the others in one pipeline."""
    rows: list[dict[str, Any]]


@dataclass(slots=True)
class UnitOfWork:
    """One transaction, in the order its statements were issued."""

    statements: list[Statement] = field(default_factory=list)
    committed: bool = False
    counted_by_adapter: int | None = None
    """The adapter's own count (`Session.statements`) at the commit."""

    @property
    def reads(self) -> int:
        return sum(statement.reads for statement in self.statements)

    @property
    def writes(self) -> int:
        return len(self.statements) - self.reads - self.settings

    @property
    def settings(self) -> int:
        """`set_config` of the acting agent, for row-level security."""
        return sum(statement.sql.startswith(SETTING) for statement in self.statements)

    @property
    def round_trips(self) -> int:
        """Each read, in one pipeline with what was queued before it (BEGIN too, when it is
        the first); BEGIN alone before a first read that nothing was queued for; the commit,
        with the writes still queued."""
        trips = 1 if self.statements and self.statements[0].reads else 0
        return trips + sum(statement.reads for statement in self.statements) + 1


@dataclass(slots=True)
class Recording:
    units: list[UnitOfWork] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(len(unit.statements) for unit in self.units)

    @property
    def reads(self) -> int:
        return sum(unit.reads for unit in self.units)

    @property
    def writes(self) -> int:
        return sum(unit.writes for unit in self.units)

    @property
    def settings(self) -> int:
        return sum(unit.settings for unit in self.units)

    @property
    def round_trips(self) -> int:
        return sum(unit.round_trips for unit in self.units)


def _recording_session(recording: Recording) -> type[Session]:
    class RecordingSession(Session):
        def __init__(self, connection: AsyncConnection[DictRow]) -> None:
            super().__init__(connection)
            self._unit = UnitOfWork()
            recording.units.append(self._unit)

        async def fetch_all(
            self, sql: str, params: Params = (), *, unguarded: bool = False
        ) -> list[DictRow]:
            rows = await super().fetch_all(sql, params, unguarded=unguarded)
            self._unit.statements.append(Statement(sql, params, True, [dict(r) for r in rows]))
            return rows

        def _take_queued(self) -> list[tuple[str, tuple[Any, ...]]]:
            statements = super()._take_queued()
            for sql, params in statements:
                self._unit.statements.append(Statement(sql, params, False, []))
            return statements

        async def commit(self) -> None:
            await super().commit()
            self._unit.committed = True
            self._unit.counted_by_adapter = self.statements

    return RecordingSession


class InProcessParley:
    """Parley's app in this process, on `database_url`, recording one request at a time."""

    def __init__(self, client: AsyncTestClient[Any]) -> None:
        self._client = client
        self._recording = Recording()

    async def request(
        self, method: str, path: str, token: str, body: object = None
    ) -> tuple[httpx.Response, Recording]:
        """The response, and the units of work this request ran; fails unless it succeeded."""
        self._recording = Recording()
        with mock.patch.object(
            adapters.postgres.unit_of_work, "Session", _recording_session(self._recording)
        ):
            response = await self._client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
        response.raise_for_status()
        for unit in self._recording.units:
            if unit.committed and unit.counted_by_adapter != len(unit.statements):
                raise RuntimeError(
                    f"recorded {len(unit.statements)} statements in a unit of work where the"
                    f" adapter counted {unit.counted_by_adapter}: the recorder is out of date"
                )
        return response, self._recording


@asynccontextmanager
async def in_process_parley(database_url: str, dev_secret: str) -> AsyncIterator[InProcessParley]:
    configure_logging("json", level=logging.ERROR)
    settings = Settings(
        database_url=database_url,
        data_dir=Path(tempfile.gettempdir()),
        dev_secret=dev_secret,
        rate_limit_per_minute=0,
    )
    async with AsyncTestClient(build_app(Container(settings=settings))) as client:
        yield InProcessParley(client)
