"""The real `parley serve` process for tests, started as `make run` starts it: embedded PostgreSQL
in a fresh data dir, a free port, real sockets and signals."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

READY_WITHIN_S = 60.0
# uvicorn's own graceful shutdown (30 s in `parley serve`), then the embedded PostgreSQL's stop.
GRACE_PERIOD_S = 45.0
COMMAND_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def parley_environment(data_dir: Path, port: int) -> dict[str, str]:
    """The caller's environment without any `PARLEY_*` (so no `PARLEY_DATABASE_URL`: the embedded
    PostgreSQL in `data_dir` is used), plus what `make run` needs."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("PARLEY_")
    }
    environment.update(
        PARLEY_DATA_DIR=str(data_dir),
        PARLEY_HOST="127.0.0.1",
        PARLEY_PORT=str(port),
        PARLEY_LOG_FORMAT="json",
    )
    return environment


def parley(*arguments: str) -> list[str]:
    """The `parley` command of this virtual environment."""
    return [sys.executable, "-m", "entrypoints.cli", *arguments]


def postmaster_pid_file(data_dir: Path) -> Path:
    return data_dir / "postgres" / "postmaster.pid"


def running_postmasters(data_dir: Path) -> list[int]:
    """Live (not zombie) processes whose command line names this data dir's PostgreSQL."""
    pgdata = str(data_dir / "postgres").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(part == pgdata for part in command.split(b"\0")):
            found.append(int(entry.name))
    return found


def stop_stray_postmaster(data_dir: Path) -> None:
    """Fast shutdown of a PostgreSQL that a failed server left behind (a test clean-up only)."""
    pid_file = postmaster_pid_file(data_dir)
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 30.0
    while pid in running_postmasters(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid in running_postmasters(data_dir):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Server:
    """One `parley serve` process, its log in a file (a pipe could fill up and block it)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    environment: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """Straight to the server: no proxy from the environment."""
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0, trust_env=False)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_events(self) -> list[str]:
        events = []
        for line in self.log_text().splitlines():
            try:
                record: Any = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "event" in record:
                events.append(str(record["event"]))
        return events

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"the server exited with {self.process.returncode} before it was ready:\n"
                f"{self.log_text()}"
            )
            try:
                with self.client() as http:
                    if http.get("/health/ready").status_code == 200:
                        return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not ready within {READY_WITHIN_S} s:\n{self.log_text()}")

    def terminate(self) -> int:
        """SIGTERM, then the exit status; a failure (and a kill) if it outlives the grace."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=GRACE_PERIOD_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"still running {GRACE_PERIOD_S} s after SIGTERM:\n{self.log_text()}"
            ) from None


@contextmanager
def servers(data_dir: Path) -> Iterator[list[Server]]:
    """The servers `start_server` adds to the list; when the block ends, however it ends, kills
    whichever still runs, then any PostgreSQL left running in `data_dir`."""
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()
        stop_stray_postmaster(data_dir)


def start_server(data_dir: Path, logs: Path, started: list[Server], **settings: str) -> Server:
    """`parley serve` on a free port, with `PARLEY_*` `settings` added, recorded in `started`
    before it is waited for."""
    port = free_port()
    environment = parley_environment(data_dir, port) | settings
    log = logs / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            parley("serve"),
            env=environment,
            cwd=logs,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log, environment)
    started.append(server)
    server.wait_until_ready()
    return server


def dev_token(server: Server, user_id: str) -> str:
    """`parley dev-token USER_ID`, with the server's own environment (so the same data dir)."""
    made = subprocess.run(
        parley("dev-token", user_id),
        env=server.environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()
