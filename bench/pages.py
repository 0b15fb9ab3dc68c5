"""Read cost against size: a history page of a short and of a very long conversation, and the
first page of conversations of an agent with few and with many.

Each figure is a median of sequential GETs by load.py over one keep-alive connection; the two
sizes are measured in alternating rounds, so that whatever else the machine does weighs on
both alike, and the median of the rounds' medians is kept. Beside the history pages: the
adapter's page query alone, and the same page fetched by OFFSET as a control; a harness that
sees the OFFSET page grow would see a keyset page grow too, if it did.
"""

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import psycopg
from loads import get_load
from stats import percentile

from adapters.postgres.messages import NEWEST_PAGE

HISTORY_LIMIT = 50
LIST_LIMIT = 20
TARGET_RATIO = 1.2
ROUNDS = 5
CONTROL_SHARE = 5
"""The OFFSET control runs a fifth as many times: it is slow by design, and a few suffice."""
OFFSET_PAGE = (
    "SELECT * FROM messages WHERE conversation_id = %s ORDER BY sequence DESC LIMIT %s OFFSET %s"
)


@dataclass(frozen=True, slots=True)
class SizeComparison:
    scenario: str
    unit: str
    small: int
    large: int
    small_ms: float
    large_ms: float
    control: bool = False
    """A control is meant to grow with size: it shows that the harness can see growth."""

    @property
    def ratio(self) -> float:
        return self.large_ms / self.small_ms

    @property
    def met(self) -> bool:
        return self.ratio > TARGET_RATIO if self.control else self.ratio <= TARGET_RATIO


Median = Callable[[int, int], float]
"""The median in ms of `requests` timings (second argument) at a size (first argument)."""


def compared(
    scenario: str,
    unit: str,
    sizes: Sequence[int],
    median: Median,
    requests: int,
    *,
    control: bool = False,
) -> SizeComparison:
    small, large = sorted(sizes)
    per_round = max(1, requests // ROUNDS)
    rounds = [(median(small, per_round), median(large, per_round)) for _ in range(ROUNDS)]
    return SizeComparison(
        scenario,
        unit,
        small,
        large,
        statistics.median(small_ms for small_ms, _ in rounds),
        statistics.median(large_ms for _, large_ms in rounds),
        control,
    )


def middle(size: int) -> int:
    """The `before` of the deep page: the middle of the conversation."""
    return size // 2


def history_costs(
    server_url: str,
    token: str,
    *,
    database_url: str,
    conversations: dict[int, UUID],
    requests: int,
) -> list[SizeComparison]:
    """`conversations` by size (two sizes)."""

    def newest(size: int, count: int) -> float:
        path = f"/api/conversations/{conversations[size]}/messages?limit={HISTORY_LIMIT}"
        return get_load(server_url, token, path, count).p50_ms

    def deep(size: int, count: int) -> float:
        path = (
            f"/api/conversations/{conversations[size]}/messages"
            f"?limit={HISTORY_LIMIT}&before={middle(size)}"
        )
        return get_load(server_url, token, path, count).p50_ms

    def keyset(size: int, count: int) -> float:
        params = {
            "conversation": conversations[size],
            "before": middle(size),
            "fetched": HISTORY_LIMIT + 1,
        }
        return sql_p50_ms(database_url, NEWEST_PAGE, params, count)

    def offset(size: int, count: int) -> float:
        params = (conversations[size], HISTORY_LIMIT + 1, size - middle(size) + 1)
        return sql_p50_ms(database_url, OFFSET_PAGE, params, count)

    sizes = list(conversations)
    return [
        compared("history page, newest 50 (HTTP)", "messages", sizes, newest, requests),
        compared("history page, 50 before the middle (HTTP)", "messages", sizes, deep, requests),
        compared(
            "the adapter's page query alone, 50 before the middle (SQL)",
            "messages",
            sizes,
            keyset,
            requests,
        ),
        compared(
            "control: the same page by OFFSET (SQL)",
            "messages",
            sizes,
            offset,
            max(ROUNDS, requests // CONTROL_SHARE),
            control=True,
        ),
    ]


def list_costs(server_url: str, tokens: dict[int, str], requests: int) -> list[SizeComparison]:
    """`tokens` of agents by their number of conversations (two sizes)."""
    path = f"/api/conversations?limit={LIST_LIMIT}"

    def first_page(size: int, count: int) -> float:
        return get_load(server_url, tokens[size], path, count).p50_ms

    scenario = "list conversations, first page of 20 (HTTP)"
    return [compared(scenario, "conversations", list(tokens), first_page, requests)]


def sql_p50_ms(
    database_url: str, sql: str, params: Sequence[object] | Mapping[str, object], repeats: int
) -> float:
    """The median time of `sql`, prepared, run `repeats` times on one connection."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        timings = []
        for run in range(repeats + 5):
            started = time.perf_counter()
            connection.execute(sql, params, prepare=True).fetchall()
            if run >= 5:
                timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.5)
