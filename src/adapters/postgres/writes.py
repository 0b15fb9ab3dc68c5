"""Queued writes, sent as few statements as PostgreSQL allows.

Writes to different tables go out as one statement of data-modifying CTEs: PostgreSQL runs
them all (whether or not the statement reads what they return), checks foreign keys at the
end of the statement, and fails the whole statement when one of them changed fewer rows than
it had to. Two writes to the same table stay in separate
statements (unless both insert), because the CTEs of one statement see none of each other's
changes and the order in which they run is not defined.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Params = Mapping[str, Any] | Sequence[Any]

_NAMED = re.compile(r"%\((\w+)\)s")
_TARGET = re.compile(r"^\s*(INSERT\s+INTO|UPDATE)\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Write:
    """One INSERT or UPDATE, without RETURNING, with positional parameters."""

    sql: str
    params: tuple[Any, ...]
    expect_rows: int | None
    """Fail the transaction with a serialization failure unless this many rows changed."""
    table: str
    inserts: bool

    @classmethod
    def of(cls, sql: str, params: Params, expect_rows: int | None = None) -> "Write":
        target = _TARGET.match(sql)
        if target is None:
            raise ValueError(f"not a single INSERT or UPDATE: {sql[:60]}")
        positional_sql, values = _positional(sql, params)
        verb, table = target.groups()
        return cls(positional_sql, values, expect_rows, table, verb.upper() != "UPDATE")

    def fits_with(self, others: Sequence["Write"]) -> bool:
        """True when this write can share a statement with `others`."""
        return all(o.table != self.table or (o.inserts and self.inserts) for o in others)


def statements_for(writes: Sequence[Write]) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that make `writes`, in order, as few as the rules above allow."""
    groups: list[list[Write]] = []
    for write in writes:
        if groups and write.fits_with(groups[-1]):
            groups[-1].append(write)
        else:
            groups.append([write])
    return [_statement(group) for group in groups]


def _statement(group: Sequence[Write]) -> tuple[str, tuple[Any, ...]]:
    if len(group) == 1 and group[0].expect_rows is None:
        return group[0].sql, group[0].params
    changes = ", ".join(f"w{i} AS ({w.sql}{_returning(w)})" for i, w in enumerate(group))
    checks = [
        f"parley_expect_rows((SELECT count(*) FROM w{i}), {w.expect_rows})"
        for i, w in enumerate(group)
        if w.expect_rows is not None
    ]
    params = tuple(value for write in group for value in write.params)
    return f"WITH {changes} SELECT {', '.join(checks) or 'true'}", params


def _returning(write: Write) -> str:
    """What a write returns: a row per changed row when they are counted, else nothing (a
    RETURNING would have row-level security check each row once more, as if read)."""
    return "" if write.expect_rows is None else " RETURNING 1"


def _positional(sql: str, params: Params) -> tuple[str, tuple[Any, ...]]:
    if not isinstance(params, Mapping):
        return sql, tuple(params)
    names = _NAMED.findall(sql)
    return _NAMED.sub("%s", sql), tuple(params[name] for name in names)
