"""Running load.py in a process of its own and reading the JSON line it prints."""

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from stats import Throughput

LOAD_SCRIPT = Path(__file__).with_name("load.py")


@dataclass(frozen=True, slots=True)
class ClientRun:
    throughput: Throughput
    wall_seconds: float
    cpu_seconds: float
    """CPU time of the load generator itself."""


def _run(arguments: list[str]) -> ClientRun:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this interpreter running load.py
        [sys.executable, str(LOAD_SCRIPT), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"load.py failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = Throughput.from_json(json.loads(done.stdout.strip().splitlines()[-1]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return ClientRun(result, wall, cpu)


def send_load(
    url: str, token: str, *, clients: int, warmup: float, seconds: float, message: str
) -> ClientRun:
    return _run(
        [
            f"--url={url}",
            f"--token={token}",
            f"--concurrency={clients}",
            f"--warmup={warmup}",
            f"--seconds={seconds}",
            f"--message={message}",
        ]
    )


def get_load(url: str, token: str, path: str, requests: int) -> Throughput:
    return _run(
        [f"--url={url}", f"--token={token}", f"--get={path}", f"--requests={requests}"]
    ).throughput
