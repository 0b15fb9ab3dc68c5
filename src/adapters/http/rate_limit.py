"""A per-agent request rate: a token bucket per caller, in this process."""

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED_CALLERS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows `per_minute` requests per caller on average, with bursts up to `per_minute`.

    `per_minute=0` allows everything. Callers idle long enough to have a full bucket again are
    forgotten first when more than `MAX_TRACKED_CALLERS` are tracked.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def admit(self, caller: str) -> int | None:
        """None when the request may go on, else the seconds to wait before trying again."""
        if self._capacity == 0:
            return None
        now = self._clock()
        bucket = self._bucket(caller, now)
        bucket.tokens = min(
            self._capacity, bucket.tokens + (now - bucket.updated) * self._per_second
        )
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self._per_second))

    def _bucket(self, caller: str, now: float) -> _Bucket:
        bucket = self._buckets.get(caller)
        if bucket is None:
            bucket = self._buckets[caller] = _Bucket(self._capacity, now)
            if len(self._buckets) > MAX_TRACKED_CALLERS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(caller)
        return bucket
