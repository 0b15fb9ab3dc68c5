"""The default event publisher: one structured log line per committed domain event."""

import dataclasses
from collections.abc import Sequence

import structlog

from domain.events import DomainEvent

_log = structlog.get_logger("parley.events")


class LoggingPublisher:
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            fields = {f.name: str(getattr(event, f.name)) for f in dataclasses.fields(event)}
            _log.info(_event_name(event), **fields)


def _event_name(event: DomainEvent) -> str:
    name = type(event).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
