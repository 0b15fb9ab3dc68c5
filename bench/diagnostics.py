"""Experiments that explain the send figures; they are not targets.

The same send load on Parley changed in one way each: with the in-memory store (what HTTP, the
framework and the use cases cost on one worker, with no database at all; that store copies its
state in each transaction, so this is an upper bound), with two uvicorn workers (whether a
second process helps on this machine, and how evenly the workers share the connections), and
with row-level security disabled on the tables for the length of the load (what the policies
cost a send; the acting agent is still set).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sends import PARLEY, Load, SendSetup, load_parley
from server import parley_server

from adapters.postgres.roles import GUARDED_TABLES


@dataclass(frozen=True, slots=True)
class Variant:
    label: str
    workers: int = 1
    store: str = "postgres"
    row_security: bool = True


VARIANTS = (
    Variant("Parley with `PARLEY_STORE=memory` (no database), 1 worker", store="memory"),
    Variant("Parley with 2 uvicorn workers (`parley serve --workers 2`)", workers=2),
    Variant("Parley with row-level security disabled on the tables, 1 worker", row_security=False),
)


@dataclass(frozen=True, slots=True)
class Experiment:
    variant: Variant
    clients: int
    load: Load

    @property
    def described(self) -> str:
        """The label, and with several workers how evenly they shared the work."""
        if self.variant.workers == 1:
            return self.variant.label
        share = self.load.usage.busiest_share[PARLEY]
        return f"{self.variant.label}, the busiest doing {share:.0%} of the server's CPU work"


def experiments(setup: SendSetup, secret: str, clients: int, folder: Path) -> list[Experiment]:
    found = []
    for number, variant in enumerate(VARIANTS, start=1):
        place = folder / f"experiment-{number}"
        place.mkdir()
        with (
            _row_security(setup.database.url, enabled=variant.row_security),
            parley_server(
                setup.database.url, secret, place, workers=variant.workers, store=variant.store
            ) as server,
        ):
            found.append(Experiment(variant, clients, load_parley(setup, server, clients)))
    return found


@contextmanager
def _row_security(owner_url: str, *, enabled: bool) -> Iterator[None]:
    """Row-level security as `enabled` says for the block, enabled again after it."""
    if not enabled:
        _alter_row_security(owner_url, "DISABLE")
    try:
        yield
    finally:
        if not enabled:
            _alter_row_security(owner_url, "ENABLE")


def _alter_row_security(owner_url: str, action: str) -> None:
    with psycopg.connect(owner_url) as connection:
        for table in GUARDED_TABLES:
            connection.execute(f"ALTER TABLE {table} {action} ROW LEVEL SECURITY")
