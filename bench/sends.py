"""Send throughput: Parley's `POST /api/chat` against pgbench replaying the same transactions,
at the same concurrency, on the same database, one after the other.

While each load runs, the CPU time of the Parley server, of PostgreSQL, of the load generator
and of the whole machine is sampled, and the server's peak RSS.
"""

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from database import BenchDatabase
from loads import send_load
from pgbench import run_pgbench
from pgbench_script import PgbenchScript
from sampling import Sample, sampled
from server import RunningServer
from stats import Throughput

PARLEY = "Parley server"
POSTGRES = "PostgreSQL"
CLIENT = "load generator"
OTHERS = "rest of the machine"


@dataclass(slots=True)
class Usage:
    wall_seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """By process tree; `OTHERS` is whatever else ran on the machine meanwhile."""
    peak_rss_bytes: dict[str, int] = field(default_factory=dict)
    busiest_share: dict[str, float] = field(default_factory=dict)
    """By process tree, the part of its CPU time that its busiest process used."""

    def cores(self, name: str) -> float:
        """How many cores `name` kept busy on average."""
        return self.cpu_seconds[name] / self.wall_seconds


@dataclass(frozen=True, slots=True)
class Load:
    throughput: Throughput
    usage: Usage


@dataclass(frozen=True, slots=True)
class SendComparison:
    clients: int
    parley: Load
    pgbench: Load
    pgbench_as_owner: Load
    """The same pgbench load as the tables' owner, to whom row-level security does not apply."""

    @property
    def ratio(self) -> float:
        return self.parley.throughput.rps / self.pgbench.throughput.rps

    @property
    def security_ratio(self) -> float:
        """pgbench's throughput under row-level security, against without it."""
        return self.pgbench.throughput.rps / self.pgbench_as_owner.throughput.rps


@dataclass(frozen=True, slots=True)
class SendSetup:
    database: BenchDatabase
    token: str
    message: str
    script: PgbenchScript
    warmup: int
    seconds: int
    folder: Path


def compare_sends(setup: SendSetup, server: RunningServer, clients: int) -> SendComparison:
    return SendComparison(
        clients,
        load_parley(setup, server, clients),
        load_pgbench(setup, clients),
        load_pgbench(setup, clients, as_owner=True),
    )


def load_parley(setup: SendSetup, server: RunningServer, clients: int) -> Load:
    checkpoint(setup.database.url)
    with _measured({PARLEY: server.pid, POSTGRES: setup.database.postmaster_pid}) as usage:
        run = send_load(
            server.url,
            setup.token,
            clients=clients,
            warmup=setup.warmup,
            seconds=setup.seconds,
            message=setup.message,
        )
    return Load(run.throughput, usage)


def load_pgbench(setup: SendSetup, clients: int, *, as_owner: bool = False) -> Load:
    checkpoint(setup.database.url)
    url = setup.database.url if as_owner else setup.database.service_url
    with _measured({POSTGRES: setup.database.postmaster_pid}) as usage:
        run = run_pgbench(
            url,
            setup.database.url,
            setup.script,
            clients=clients,
            warmup=setup.warmup,
            seconds=setup.seconds,
            folder=setup.folder / "pgbench",
        )
    return Load(run.throughput, usage)


def checkpoint(url: str) -> None:
    """Start each load with the WAL flushed to the data files, so none pays for another's."""
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass


@contextmanager
def _measured(roots: dict[str, int | None]) -> Iterator[Usage]:
    """The block's usage, the load generator (this process's child) included."""
    usage = Usage()
    before = _children_cpu_seconds()
    started = time.perf_counter()
    with sampled(roots) as sample:
        yield usage
    usage.wall_seconds = time.perf_counter() - started
    usage.cpu_seconds = _cpu_by_tree(sample, client=_children_cpu_seconds() - before)
    usage.peak_rss_bytes = {name: tree.peak_rss_bytes for name, tree in sample.trees.items()}
    usage.busiest_share = {name: tree.busiest_share() for name, tree in sample.trees.items()}


def _cpu_by_tree(sample: Sample, client: float) -> dict[str, float]:
    cpu = {name: tree.cpu_seconds for name, tree in sample.trees.items()} | {CLIENT: client}
    return cpu | {OTHERS: max(0.0, sample.machine_cpu_seconds - sum(cpu.values()))}


def _children_cpu_seconds() -> float:
    """CPU time of this process's finished children: the load generator, once it is done."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime
