"""What processes use while a load runs: the peak RSS and the CPU time of each process tree,
and the CPU time of the whole machine.

A thread samples every tree (a process and all its descendants) a few times a second, so that
processes born and gone during the load (pgbench's PostgreSQL backends) are counted too.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

INTERVAL_S = 0.05


@dataclass(slots=True)
class TreeUsage:
    peak_rss_bytes: int = 0
    cpu_seconds: float = 0.0
    _first_cpu: dict[int, float] = field(default_factory=dict)
    _last_cpu: dict[int, float] = field(default_factory=dict)

    def observe(self, processes: list[psutil.Process], *, existing: bool) -> None:
        rss = 0
        for process in processes:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    rss += process.memory_info().rss
            except psutil.Error:
                continue
            cpu = times.user + times.system
            # A process first seen after the start began with (nearly) no CPU time.
            self._first_cpu.setdefault(process.pid, cpu if existing else 0.0)
            self._last_cpu[process.pid] = cpu
        self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
        self.cpu_seconds = sum(self._spent().values())

    def busiest_share(self) -> float:
        """The part of the tree's CPU time that its busiest process used."""
        spent = self._spent().values()
        return max(spent) / self.cpu_seconds if self.cpu_seconds else 0.0

    def _spent(self) -> dict[int, float]:
        return {pid: self._last_cpu[pid] - self._first_cpu[pid] for pid in self._last_cpu}


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


@dataclass(slots=True)
class Sample:
    trees: dict[str, TreeUsage]
    machine_cpu_seconds: float = 0.0
    """CPU time all the machine's processes used, these trees and any other."""


def machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


@contextmanager
def sampled(roots: dict[str, int | None]) -> Iterator[Sample]:
    """Usage of each named tree (None: not on this machine) and of the machine, from the
    block's start to its end; filled in when the block ends."""
    usage = {name: TreeUsage() for name, pid in roots.items() if pid is not None}
    result = Sample(usage)
    machine_before = machine_busy_seconds()
    stop = threading.Event()

    def sample(*, existing: bool) -> None:
        for name, tree_usage in usage.items():
            pid = roots[name]
            assert pid is not None
            tree_usage.observe(tree(pid), existing=existing)

    sample(existing=True)

    def loop() -> None:
        while not stop.wait(INTERVAL_S):
            sample(existing=False)

    thread = threading.Thread(target=loop, name="sampler", daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        sample(existing=False)
        result.machine_cpu_seconds = machine_busy_seconds() - machine_before
