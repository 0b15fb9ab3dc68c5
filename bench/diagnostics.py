"""Experiments that explain the send figures; they are not targets.

The same send load on Parley changed in one way each: with the in-memory store (what HTTP, the
framework and the use cases cost on one worker, with no database at all; that store copies its
state in each transaction, so this is an upper bound), with two uvicorn workers (whether a
second process helps on this machine, and how evenly the workers share the connections).

What row-level security costs a send is measured apart, on the server of the main loads: rounds
of the same load alternate between the policies on and the policies disabled on the tables (the
acting agent is still set), so that both see the same machine; every other round runs its two
loads the other way round, so that neither always follows the other.
"""

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from sends import PARLEY, Load, SendSetup, load_parley
from server import RunningServer, parley_server

from adapters.postgres.roles import GUARDED_TABLES


@dataclass(frozen=True, slots=True)
class Variant:
    label: str
    workers: int = 1
    store: str = "postgres"


VARIANTS = (
    Variant("Parley with `PARLEY_STORE=memory` (no database), 1 worker", store="memory"),
    Variant("Parley with 2 uvicorn workers (`parley serve --workers 2`)", workers=2),
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
        with parley_server(
            setup.database.url, secret, place, workers=variant.workers, store=variant.store
        ) as server:
            found.append(Experiment(variant, clients, load_parley(setup, server, clients)))
    return found


SECURITY_ROUNDS = 6
SECURITY_LOAD_S = 10


@dataclass(frozen=True, slots=True)
class SecurityCost:
    clients: int
    secured: list[Load]
    unsecured: list[Load]
    """The same loads with row-level security disabled, each beside its secured twin."""

    @property
    def ratio(self) -> float:
        """Median throughput with the policies against without them."""
        return _median_rps(self.secured) / _median_rps(self.unsecured)


def security_cost(setup: SendSetup, server: RunningServer, clients: int) -> SecurityCost:
    shorter = replace(setup, seconds=min(setup.seconds, SECURITY_LOAD_S))
    secured, unsecured = [], []
    for round_number in range(SECURITY_ROUNDS):
        if round_number % 2 == 0:
            secured.append(load_parley(shorter, server, clients))
        with _policies_disabled(setup.database.url):
            unsecured.append(load_parley(shorter, server, clients))
        if round_number % 2 == 1:
            secured.append(load_parley(shorter, server, clients))
    return SecurityCost(clients, secured, unsecured)


def _median_rps(loads: list[Load]) -> float:
    return statistics.median(load.throughput.rps for load in loads)


@contextmanager
def _policies_disabled(owner_url: str) -> Iterator[None]:
    _alter_row_security(owner_url, "DISABLE")
    try:
        yield
    finally:
        _alter_row_security(owner_url, "ENABLE")


def _alter_row_security(owner_url: str, action: str) -> None:
    with psycopg.connect(owner_url) as connection:
        for table in GUARDED_TABLES:
            connection.execute(f"ALTER TABLE {table} {action} ROW LEVEL SECURITY")
