"""An event publisher that keeps what it is handed, for tests to read."""

from collections.abc import Sequence

from domain.events import DomainEvent


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)
