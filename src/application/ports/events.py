"""The event publisher port."""

from collections.abc import Sequence
from typing import Protocol

from domain.events import DomainEvent


class EventPublisher(Protocol):
    """Hands committed domain events to whoever listens (by default, the log).

    Called only after a commit, so every event it sees describes stored data. It must not raise:
    the data is already committed.
    """

    async def publish(self, events: Sequence[DomainEvent]) -> None: ...
