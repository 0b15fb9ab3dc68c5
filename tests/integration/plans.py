"""Reading the plans PostgreSQL reports with EXPLAIN (FORMAT JSON)."""

from collections.abc import Iterator
from typing import Any


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The plan's node and every node beneath it, sub-plans and init-plans included."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)
