"""How close Parley comes to what its database can do: `make bench` (full) and `make bench-smoke`.

    python bench/run.py [--smoke] [--out docs/benchmarks.md]

On one machine: a fresh database (database.py), seeded by COPY (seed.py); statements counted
in-process (counts.py), the send recorded there turned into a pgbench script
(pgbench_script.py); then `parley serve` (server.py) against that database, loaded from a
process of its own (load.py) and compared with pgbench (sends.py), and read costs against size
(pages.py). The report (report.py) is printed, and written to `--out` when given.
"""

import argparse
import asyncio
import logging
import os
import platform
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psutil
import psycopg
from capture import in_process_parley
from counts import MESSAGE, Count, CountSubjects, count_statements, seed_subjects
from database import BenchDatabase, bench_database
from diagnostics import experiments, security_cost
from pages import ROUNDS, history_costs, list_costs
from pgbench import pgbench_version
from pgbench_script import conversation_id_of, pgbench_script
from psycopg.conninfo import conninfo_to_dict
from report import Machine, Results, render, write
from sampling import tree
from seed import seed_agent, seed_conversations
from sends import SendSetup, compare_sends
from server import parley_server

from adapters.auth.dev import issue_dev_token
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings


@dataclass(frozen=True, slots=True)
class Plan:
    clients: tuple[int, ...] = (1, 8)
    warmup_s: int = 3
    send_s: int = 20
    count_sizes: tuple[int, int] = (10, 1_000)
    history_sizes: tuple[int, int] = (1_000, 1_000_000)
    list_sizes: tuple[int, int] = (100, 10_000)
    read_requests: int = 600


FULL = Plan()
SMOKE = Plan(
    warmup_s=1,
    send_s=1,
    count_sizes=(10, 100),
    history_sizes=(100, 2_000),
    list_sizes=(10, 100),
    read_requests=25,
)


@dataclass(frozen=True, slots=True)
class Seeded:
    subjects: CountSubjects
    history: dict[int, UUID]
    history_agent: str
    list_agents: dict[int, str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="seconds long, tiny sizes")
    parser.add_argument("--out", type=Path, help="write the report there too")
    arguments = parser.parse_args()
    plan = SMOKE if arguments.smoke else FULL
    configure_logging("json", level=logging.ERROR)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="parley-bench-run-"))
    try:
        with bench_database() as database:
            results = _run(plan, database, folder, smoke=arguments.smoke, started=started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rendered = render(results)
    print(rendered)
    if arguments.out is not None:
        write(arguments.out, rendered)
        print(f"bench: written to {arguments.out}")
    broken = _broken_loads(results, errors_too=arguments.smoke)
    if broken:
        raise SystemExit(f"bench: these loads failed: {', '.join(broken)}")


def _broken_loads(results: Results, *, errors_too: bool) -> list[str]:
    """Loads that completed nothing (or, in a smoke run, had any error): a harness gone stale."""
    loads = [(f"Parley at {s.clients}", s.parley) for s in results.sends]
    loads += [(f"pgbench at {s.clients}", s.pgbench) for s in results.sends]
    loads += [(e.variant.label, e.load) for e in results.experiments]
    return [
        label
        for label, load in loads
        if load.throughput.count == 0 or (errors_too and load.throughput.errors)
    ]


def _run(
    plan: Plan, database: BenchDatabase, folder: Path, *, smoke: bool, started: float
) -> Results:
    secret = secrets.token_urlsafe(32)
    _say("seeding")
    seeded = _seed(plan, database.url)
    _say("counting statements and recording a send, in-process")
    counts = asyncio.run(_count(database.url, secret, seeded.subjects, plan))
    by_key = {count.key: count for count in counts}
    send = by_key["send"].recording
    script = pgbench_script(
        send,
        seeded.subjects.large,
        {
            "user": seeded.subjects.external_user_id,
            "agent": str(seeded.subjects.agent_id),
            "message": MESSAGE,
            "reply": f"Echo: {MESSAGE}",
        },
    )
    setup = SendSetup(
        database,
        issue_dev_token(secret, "bench-load"),
        MESSAGE,
        script,
        plan.warmup_s,
        plan.send_s,
        folder,
    )
    with parley_server(database.url, secret, folder) as server:
        idle_rss = sum(process.memory_info().rss for process in tree(server.pid))
        sends = []
        for clients in plan.clients:
            _say(f"sends at {clients} client(s): Parley, then pgbench")
            sends.append(compare_sends(setup, server, clients))
        _say("row-level security: the send with and without the policies, in turns")
        security = security_cost(setup, server, max(plan.clients))
        _say("history pages and conversation lists")
        sizes = history_costs(
            server.url,
            issue_dev_token(secret, seeded.history_agent),
            database_url=database.url,
            conversations=seeded.history,
            requests=plan.read_requests,
        )
        list_tokens = {n: issue_dev_token(secret, agent) for n, agent in seeded.list_agents.items()}
        sizes += list_costs(server.url, list_tokens, plan.read_requests)
    _say("experiments: the in-memory store, two workers")
    tried = experiments(setup, secret, max(plan.clients), folder)
    machine = _machine(database, plan, smoke=smoke, seconds=time.monotonic() - started)
    return Results(
        machine, sends, security, tried, idle_rss, counts, sizes, send, script.text, smoke
    )


def _seed(plan: Plan, url: str) -> Seeded:
    subjects = seed_subjects(url, *plan.count_sizes)
    with psycopg.connect(url) as connection:
        pgbench_ids = [conversation_id_of(client) for client in range(max(plan.clients))]
        # pgbench posts as the agent whose send was recorded, each client in its own conversation.
        seed_conversations(connection, subjects.agent_id, len(pgbench_ids), ids=pgbench_ids)
        history_agent = "bench-history"
        history_id = seed_agent(connection, history_agent)
        history = {
            size: seed_conversations(connection, history_id, 1, messages_each=size)[0].id
            for size in plan.history_sizes
        }
        list_agents = {size: f"bench-list-{size}" for size in plan.list_sizes}
        for size, external_id in list_agents.items():
            seed_conversations(
                connection, seed_agent(connection, external_id), size, messages_each=2
            )
        connection.autocommit = True
        connection.execute("VACUUM (ANALYZE)")
    return Seeded(subjects, history, history_agent, list_agents)


async def _count(url: str, secret: str, subjects: CountSubjects, plan: Plan) -> list[Count]:
    async with in_process_parley(url, secret) as parley:
        token = issue_dev_token(secret, subjects.external_user_id)
        return await count_statements(parley, token, subjects, plan.count_sizes[0])


def _machine(database: BenchDatabase, plan: Plan, *, smoke: bool, seconds: float) -> Machine:
    facts = database.facts()
    settings = Settings()
    transport = (
        "a Unix socket" if conninfo_to_dict(database.url).get("host", "").startswith("/") else "TCP"
    )
    origin = "embedded (pgserver)" if database.embedded else "`PARLEY_BENCH_DATABASE_URL`"
    kind = ", smoke" if smoke else ""
    return Machine(
        [
            ("cores", f"{os.cpu_count()}, {_cpu_model()}"),
            ("memory", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
            ("PostgreSQL", f"{facts.version}, {origin}"),
            ("transport to PostgreSQL", f"{transport}, for Parley and pgbench alike"),
            ("synchronous_commit", facts.synchronous_commit),
            ("fsync", facts.fsync),
            ("shared_buffers", facts.shared_buffers),
            ("pgbench", pgbench_version()),
            ("Python", platform.python_version()),
            (
                "Parley",
                "`parley serve` as `make run` runs it (uvicorn, 1 worker), echo assistant,"
                " JSON logs to a file, rate limit off,"
                f" pool {settings.db_pool_min}..{settings.db_pool_max}",
            ),
            (
                "load",
                "`bench/load.py` in a process of its own: asyncio HTTP/1.1 keep-alive client over"
                " loopback; one conversation per client",
            ),
            (
                "durations",
                f"sends: {plan.warmup_s} s warm-up, then {plan.send_s} s measured, per load;"
                f" reads: {plan.read_requests} sequential requests per size, in {ROUNDS}"
                " alternating rounds, the median of the rounds' medians",
            ),
            ("run", f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} minutes{kind}"),
        ]
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _say(step: str) -> None:
    print(f"bench: {step}", flush=True)


if __name__ == "__main__":
    main()
