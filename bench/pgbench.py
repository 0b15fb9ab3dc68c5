"""pgbench replaying the recorded send (pgbench_script.py) at a given concurrency.

It connects as the service's role, as Parley does, so that row-level security costs it what it
costs Parley; once more as the tables' owner (a superuser, to whom the policies do not apply)
to show that cost. Either way its connections carry the session settings of Parley's pool
(`PGOPTIONS`), so that PostgreSQL plans the statements as it plans Parley's.

`pgbench -n -M prepared -c N -j N -T S`, each transaction logged (`-l`): the latencies and the
throughput come from the transactions completed after the warm-up, as for Parley's load.
Afterwards the messages it stored are counted: two for each transaction, or the script is not
doing what a send does.
"""

import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pgbench_script import PgbenchScript, conversation_id_of
from stats import Throughput

from adapters.postgres.pool import session_options

BINARY_VARIABLE = "PARLEY_BENCH_PGBENCH"


def pgbench_binary() -> str:
    """`PARLEY_BENCH_PGBENCH`, else the pgbench in pgserver's wheel, else the one on PATH."""
    configured = os.environ.get(BINARY_VARIABLE)
    if configured:
        return configured
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset: no matter here.
        warnings.simplefilter("ignore")
        import pgserver  # noqa: PLC0415

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("pgbench")
    if found is None:
        raise FileNotFoundError("no pgbench: set PARLEY_BENCH_PGBENCH")
    return found


def pgbench_version() -> str:
    done = subprocess.run(  # noqa: S603 - pgbench, chosen above
        [pgbench_binary(), "--version"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass(frozen=True, slots=True)
class PgbenchRun:
    throughput: Throughput
    transactions: int
    """All transactions, warm-up included: each must have stored two messages."""


def run_pgbench(
    database_url: str,
    owner_url: str,
    script: PgbenchScript,
    *,
    clients: int,
    warmup: float,
    seconds: float,
    folder: Path,
) -> PgbenchRun:
    folder.mkdir(parents=True, exist_ok=True)
    script_file = folder / "send.pgbench"
    script_file.write_text(script.text)
    logs = folder / f"clients-{clients}"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    before = _messages_of_clients(owner_url, clients)
    command = [
        pgbench_binary(),
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        f"--jobs={clients}",
        f"--time={max(1, round(warmup + seconds))}",
        f"--file={script_file}",
        "--log",
        f"--log-prefix={logs / 'tx'}",
        *(f"--define={name}={value}" for name, value in script.definitions.items()),
        database_url,
    ]
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, env=_with_session_settings()
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    completed, failed = _transactions(logs)
    stored = _messages_of_clients(owner_url, clients) - before
    succeeded = len(completed)
    if stored != 2 * succeeded:
        raise RuntimeError(
            f"pgbench ran {succeeded} sends but stored {stored} messages, not {2 * succeeded}"
        )
    start = min(at for at, _ in completed) if completed else 0.0
    window = [latency for at, latency in completed if at >= start + warmup]
    errors = sum(1 for at in failed if at >= start + warmup)
    return PgbenchRun(Throughput.of(window, errors, seconds), succeeded)


def _with_session_settings() -> dict[str, str]:
    return {**os.environ, "PGOPTIONS": session_options()}


def _transactions(logs: Path) -> tuple[list[tuple[float, float]], list[float]]:
    """(completion time in s, latency in ms) of each transaction, and the times of failures.

    A log line: client_id transaction_no time script_no time_epoch time_us [...]; `time` is
    the latency in microseconds, or `failed`.
    """
    completed: list[tuple[float, float]] = []
    failed: list[float] = []
    for log in logs.iterdir():
        for line in log.read_text().splitlines():
            fields = line.split()
            at = int(fields[4]) + int(fields[5]) / 1e6
            if fields[2].isdigit():
                completed.append((at, int(fields[2]) / 1000))
            else:
                failed.append(at)
    return completed, failed


def _messages_of_clients(database_url: str, clients: int) -> int:
    ids = [conversation_id_of(client) for client in range(clients)]
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ANY(%s)", (ids,)
        ).fetchone()
    assert row is not None
    return int(row[0])
