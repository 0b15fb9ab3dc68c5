"""How long to wait before asking a server again."""

import random
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_SECONDS = re.compile(r"\d{1,9}(\.\d{1,6})?")


def retry_delay(
    attempt: int, *, backoff_s: float, retry_after: str | None, max_retry_after_s: float
) -> float:
    """Seconds to wait after failed attempt number `attempt` (0 for the first).

    The server's `Retry-After` (seconds or an HTTP date) when it sent one, but never more
    than `max_retry_after_s`; otherwise an exponential backoff from `backoff_s`, with up to
    as much again of random jitter so that callers who failed together do not retry together.
    """
    asked = seconds_to_wait(retry_after)
    if asked is not None:
        return min(asked, max_retry_after_s)
    base: float = backoff_s * 2**attempt
    return base + random.uniform(0, base)  # noqa: S311 (jitter, not a secret)


def seconds_to_wait(retry_after: str | None, now: datetime | None = None) -> float | None:
    """The wait a `Retry-After` value asks for, or None when there is none or it is unreadable."""
    if retry_after is None:
        return None
    value = retry_after.strip()
    if _SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
