"""The in-memory store over its lifetime, shaped like the PostgreSQL one."""

from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.ports.events import EventPublisher
from application.ports.unit_of_work import UnitOfWork


class MemoryDatabase:
    """A throwaway store: everything is lost when the process ends."""

    def __init__(self, publisher: EventPublisher) -> None:
        self.store = MemoryStore()
        self._publisher = publisher

    async def start(self, *, migrate_schema: bool = True) -> None:
        self.store.reachable = True

    async def stop(self) -> None:
        self.store.reachable = False

    def new_unit_of_work(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.store, self._publisher)

    async def is_ready(self) -> bool:
        return self.store.reachable
