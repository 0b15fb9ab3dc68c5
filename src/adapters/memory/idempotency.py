"""In-memory idempotency records, each locked by its key while a unit of work reads it."""

from uuid import UUID

from adapters.memory.store import detached
from adapters.memory.transaction import Transaction
from application.idempotency import IdempotencyRecord
from application.ports.repositories import IdempotencyRepository


class MemoryIdempotencyRepository(IdempotencyRepository):
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    async def get(self, agent_id: UUID, client_message_id: str) -> IdempotencyRecord | None:
        key = (agent_id, client_message_id)
        if key in self._tx.records:
            return self._tx.records[key]
        await self._tx.lock(("idempotency", *key))
        return detached(self._tx.store.idempotency.get(key))

    async def add(self, record: IdempotencyRecord) -> None:
        key = (record.agent_id, record.client_message_id)
        self._tx.records[key] = record
        self._tx.new_records.add(key)

    async def save(self, record: IdempotencyRecord) -> None:
        self._tx.records[(record.agent_id, record.client_message_id)] = record
