"""The default event publisher: one structured log line per committed domain event."""

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import structlog

from domain.events import DomainEvent

_log = structlog.get_logger("parley.events")
_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


class LoggingPublisher:
    """Logs `conversation_started`, `participant_joined`, `message_posted`, ...: only what was
    committed, so every line describes stored data."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            _log.info(event_name(event), **_fields(event))


def event_name(event: DomainEvent) -> str:
    return _WORD_START.sub("_", type(event).__name__).lower()


def _fields(event: DomainEvent) -> dict[str, object]:
    fields = {}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if value is not None:
            fields[field.name] = _plain(value)
    return fields


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int | str | bool):
        return value
    return str(value)
