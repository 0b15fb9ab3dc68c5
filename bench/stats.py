"""Medians, tails and throughput, computed the same way for every load."""

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of `samples`; NaN when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class Throughput:
    """Requests (or pgbench transactions) completed in the measured window."""

    count: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else math.nan

    @classmethod
    def of(cls, latencies_ms: Sequence[float], errors: int, seconds: float) -> "Throughput":
        return cls(
            len(latencies_ms),
            errors,
            seconds,
            percentile(latencies_ms, 0.50),
            percentile(latencies_ms, 0.99),
        )

    def as_json(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "errors": self.errors,
            "seconds": self.seconds,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
        }

    @classmethod
    def from_json(cls, data: dict[str, float]) -> "Throughput":
        return cls(
            int(data["count"]),
            int(data["errors"]),
            float(data["seconds"]),
            float(data["p50_ms"]),
            float(data["p99_ms"]),
        )
