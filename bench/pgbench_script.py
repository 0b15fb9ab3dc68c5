"""A pgbench script that replays a recorded send: the same statements, in the same transactions,
with the same pipelines, each parameter taken from where Parley took it.

Each parameter of the recording becomes, in this order of preference:
- NULL, true or false for those constants;
- an input of the request (the conversation, the caller, the texts), given to pgbench;
- an id read earlier in the send (the agent's, the chat session's), kept with `\\aset` from the
  first read that returned it in the same unit of work, else in an earlier one;
- a number read earlier (the conversation's version, the session's message count), or that
  number plus one (the next sequence, the next version), from the latest read that returned it;
- now() for a time;
- a new id, by `gen_random_uuid()`, or when the send uses it again (the message a reply answers)
  a random number turned into a uuid, kept in a pgbench variable;
- a literal for any other constant (a role, a status, a limit).
Each pgbench client posts to its own conversation: the one whose id is the number client_id + 1.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from capture import Recording, Statement, UnitOfWork

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")
CONVERSATION_VARIABLE = "conversation"


def conversation_id_of(client_id: int) -> UUID:
    """The conversation a pgbench client posts to, as the script computes it."""
    return UUID(int=client_id + 1)


@dataclass(frozen=True, slots=True)
class PgbenchScript:
    text: str
    definitions: dict[str, str]
    """`-D name=value` for the request's inputs."""


@dataclass(frozen=True, slots=True)
class _Source:
    variable: str
    value: object
    read: int
    unit: int


@dataclass(frozen=True, slots=True)
class _Read:
    """A read in the script; it keeps what it read (`\\aset`) when a later statement uses it."""

    sql: str
    number: int


@dataclass(slots=True)
class _Translation:
    inputs: Mapping[object, str]
    reused_ids: set[UUID]
    sources: list[_Source] = field(default_factory=list)
    new_ids: dict[UUID, str] = field(default_factory=dict)
    kept_reads: set[int] = field(default_factory=set)
    sets: dict[str, str] = field(default_factory=dict)
    """`\\set` lines the next statement needs, by the variable they set."""
    prelude: list[str] = field(default_factory=list)
    unit: int = 0

    def expression(self, value: object) -> str:
        found = _constant(value) or self._input(value) or self._read(value)
        return found if found is not None else self._fresh(value)

    def _input(self, value: object) -> str | None:
        if isinstance(value, UUID | str):
            return self.inputs.get(value)
        return None

    def _fresh(self, value: object) -> str:
        """A value that neither the request nor an earlier read gave the send."""
        if isinstance(value, datetime):
            return "now()"
        if isinstance(value, UUID):
            return self._new_id(value)
        if isinstance(value, int | str):
            return _literal(value)
        raise TypeError(f"no pgbench form for a parameter of type {type(value).__name__}")

    def _read(self, value: object) -> str | None:
        """An id as first read in this unit of work (else in an earlier one), a number as last
        read."""
        if isinstance(value, UUID):
            ids = [s for s in self.sources if s.value == value]
            here = [s for s in ids if s.unit == self.unit]
            return self._kept(next(iter(here or ids), None))
        if not isinstance(value, int):
            return None
        latest_first = list(reversed(self.sources))
        same = next((s for s in latest_first if type(s.value) is int and s.value == value), None)
        if same is not None:
            return self._kept(same)
        before = next(
            (s for s in latest_first if type(s.value) is int and s.value == value - 1), None
        )
        if before is None:
            return None
        following = f"{before.variable}_plus_1"
        self.sets[following] = f"\\set {following} :{before.variable} + 1"
        self.kept_reads.add(before.read)
        return f":{following}"

    def _kept(self, source: _Source | None) -> str | None:
        if source is None:
            return None
        self.kept_reads.add(source.read)
        return f":{source.variable}"

    def _new_id(self, value: UUID) -> str:
        if value not in self.reused_ids:
            return "gen_random_uuid()"
        if value not in self.new_ids:
            variable = f"id{len(self.new_ids) + 1}"
            self.new_ids[value] = variable
            self.prelude.append(f"\\set {variable} random(1, 4611686018427387903)")
        return _uuid_of_number(self.new_ids[value])


def pgbench_script(
    recording: Recording,
    conversation_id: UUID,
    inputs: Mapping[str, str],
) -> PgbenchScript:
    """The script for `recording`, a send to `conversation_id`; `inputs` names the request's
    texts (the caller's external id and agent id, the message, the reply) that become `-D`
    definitions."""
    translation = _Translation(
        inputs={
            conversation_id: _uuid_of_number(CONVERSATION_VARIABLE),
            # as the conversation in focus, set_config's text
            str(conversation_id): f"{_uuid_of_number(CONVERSATION_VARIABLE)}::text",
        }
        | {value: f":{name}" for name, value in inputs.items()}
        | {UUID(value): f":{name}" for name, value in inputs.items() if _is_uuid(value)},
        reused_ids=_reused_ids(recording),
    )
    translation.prelude.append(f"\\set {CONVERSATION_VARIABLE} :client_id + 1")
    body: list[str | _Read] = []
    read_number = 0
    for number, unit in enumerate(recording.units, start=1):
        translation.unit = number
        if not unit.committed:
            raise ValueError("the recorded send rolled a unit of work back")
        body.append(f"-- unit of work {number}: {unit.reads} reads, {unit.writes} writes")
        if unit.statements and unit.statements[0].reads:
            body.append("BEGIN;")
        for group in _groups(unit):
            if group[0].reads:
                read_number += 1
                body.extend(_read(translation, group[0], read_number))
            else:
                body.extend(_pipeline(translation, group, unit))
        if not unit.statements or unit.statements[-1].reads:
            body.append("COMMIT;")
    lines = ["-- Generated by bench/pgbench_script.py from a recorded send.", *translation.prelude]
    lines.extend(_keep_reads(body, translation.kept_reads))
    return PgbenchScript("\n".join(lines) + "\n", dict(inputs))


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _groups(unit: UnitOfWork) -> Iterator[list[Statement]]:
    """Each read alone, and each run of writes: what the session sends in one round trip."""
    writes: list[Statement] = []
    for statement in unit.statements:
        if statement.reads:
            if writes:
                yield writes
                writes = []
            yield [statement]
        else:
            writes.append(statement)
    if writes:
        yield writes


def _read(translation: _Translation, statement: Statement, number: int) -> list[str | _Read]:
    read = _Read(_sql(translation, statement), number)
    lines: list[str | _Read] = [*translation.sets.values(), read]
    translation.sets.clear()
    translation.sources.extend(_sources_of(statement, number, translation.unit))
    return lines


def _pipeline(
    translation: _Translation, writes: Sequence[Statement], unit: UnitOfWork
) -> list[str]:
    sql = [_sql(translation, statement) + ";" for statement in writes]
    begins = writes[0] is unit.statements[0]
    commits = writes[-1] is unit.statements[-1]
    lines = [*translation.sets.values(), "\\startpipeline", *(["BEGIN;"] if begins else []), *sql]
    translation.sets.clear()
    if commits:
        lines.append("COMMIT;")
    lines.append("\\endpipeline")
    return lines


def _sql(translation: _Translation, statement: Statement) -> str:
    text = " ".join(statement.sql.split())
    if ":" in text.replace("::", ""):
        raise ValueError(f"a colon in this statement would read as a pgbench variable: {text}")
    positional = iter(statement.params) if not isinstance(statement.params, Mapping) else None

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        if match.group(1) is not None:
            assert isinstance(statement.params, Mapping)
            return translation.expression(statement.params[match.group(1)])
        assert positional is not None
        return translation.expression(next(positional))

    return _PLACEHOLDER.sub(replace, text)


def _sources_of(statement: Statement, number: int, unit: int) -> list[_Source]:
    """The columns on which every row read agrees: what `\\aset` keeps whatever row is last."""
    if not statement.rows:
        return []
    first = statement.rows[0]
    return [
        _Source(f"r{number}_{column}", value, number, unit)
        for column, value in first.items()
        if value is not None and all(row[column] == value for row in statement.rows)
    ]


def _reused_ids(recording: Recording) -> set[UUID]:
    seen: set[UUID] = set()
    reused: set[UUID] = set()
    for unit in recording.units:
        for statement in unit.statements:
            for value in _values(statement.params):
                if isinstance(value, UUID):
                    (reused if value in seen else seen).add(value)
    return reused


def _values(params: Mapping[str, Any] | Sequence[Any]) -> list[Any]:
    return list(params.values()) if isinstance(params, Mapping) else list(params)


def _keep_reads(body: list[str | _Read], kept: set[int]) -> list[str]:
    """End each read with `\\aset` where a later statement uses what it read, else with `;`."""

    def ended(read: _Read) -> str:
        return f"{read.sql}\n\\aset r{read.number}_" if read.number in kept else f"{read.sql};"

    return [line if isinstance(line, str) else ended(line) for line in body]


def _constant(value: object) -> str | None:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    return None


def _literal(value: int | str) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _uuid_of_number(variable: str) -> str:
    return f"lpad(to_hex(:{variable}::bigint), 32, '0')::uuid"
