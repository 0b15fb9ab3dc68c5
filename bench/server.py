"""Parley's server process, started as `make run` starts it: `parley serve`, one uvicorn worker.

It gets the benchmark's database, a free port, no rate limit and JSON logs written to a file;
it is ready once `/health/ready` answers 200, and stopped with SIGTERM. An experiment may ask
for more workers or the in-memory store.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

READY_WITHIN_S = 60.0
STOP_WITHIN_S = 45.0


@dataclass(frozen=True, slots=True)
class RunningServer:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def parley_server(
    database_url: str,
    dev_secret: str,
    folder: Path,
    *,
    workers: int = 1,
    store: str = "postgres",
) -> Iterator[RunningServer]:
    """`<this venv's python> -m entrypoints.cli serve`, running for the block, then stopped."""
    port = free_port()
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("PARLEY_")
    }
    environment.update(
        PARLEY_DATABASE_URL=database_url,
        PARLEY_DATA_DIR=str(folder),
        PARLEY_HOST="127.0.0.1",
        PARLEY_PORT=str(port),
        PARLEY_DEV_SECRET=dev_secret,
        PARLEY_RATE_LIMIT_PER_MINUTE="0",
        PARLEY_LOG_FORMAT="json",
        PARLEY_STORE=store,
    )
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - this interpreter running Parley
            [sys.executable, "-m", "entrypoints.cli", "serve", *_workers(workers)],
            env=environment,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_ready(server)
        yield server
        _stop(server)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _workers(count: int) -> list[str]:
    """`make run` passes no `--workers`: one."""
    return [] if count == 1 else [f"--workers={count}"]


def _wait_until_ready(server: RunningServer) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    with httpx.Client(base_url=server.url, timeout=5.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"parley serve exited early:\n{server.log.read_text()}")
            try:
                if http.get("/health/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(
        f"parley serve not ready within {READY_WITHIN_S} s:\n{server.log.read_text()}"
    )


def _stop(server: RunningServer) -> None:
    server.process.send_signal(signal.SIGTERM)
    status = server.process.wait(timeout=STOP_WITHIN_S)
    if status != 0:
        raise RuntimeError(f"parley serve exited with {status}:\n{server.log.read_text()}")
