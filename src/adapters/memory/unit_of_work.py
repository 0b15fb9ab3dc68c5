"""The in-memory unit of work: nothing is seen by others before commit, all undone without it."""

from uuid import UUID

from adapters.memory.agents import MemoryAgentRepository
from adapters.memory.chat_sessions import MemoryChatSessionRepository
from adapters.memory.conversations import MemoryConversationRepository
from adapters.memory.idempotency import MemoryIdempotencyRepository
from adapters.memory.integrity import check_commit
from adapters.memory.messages import MemoryMessageRepository
from adapters.memory.store import MemoryStore, detached
from adapters.memory.transaction import Transaction
from application.errors import StoreUnavailable
from application.ports.events import EventPublisher
from application.ports.unit_of_work import UnitOfWork


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore, publisher: EventPublisher) -> None:
        super().__init__(publisher)
        self._store = store
        self._open(Transaction(store))

    def _open(self, transaction: Transaction) -> None:
        self._tx = transaction
        self.agents = MemoryAgentRepository(transaction)
        self.conversations = MemoryConversationRepository(transaction)
        self.messages = MemoryMessageRepository(transaction)
        self.chat_sessions = MemoryChatSessionRepository(transaction)
        self.idempotency = MemoryIdempotencyRepository(transaction)

    async def act_for(self, agent_id: UUID) -> None:
        self._tx.acting = agent_id

    async def _begin(self) -> None:
        if not self._store.reachable:
            raise StoreUnavailable("the in-memory store is switched off")

    async def _commit(self) -> None:
        if not self._store.reachable:
            raise StoreUnavailable("the in-memory store is switched off")
        check_commit(self._tx)
        _apply(self._tx)
        self._open(Transaction(self._store))

    async def _rollback(self) -> None:
        self._tx.release_locks()
        self._open(Transaction(self._store))

    async def _end(self) -> None:
        self._tx.release_locks()


def _apply(tx: Transaction) -> None:
    store = tx.store
    for agent in tx.agents.values():
        store.agents[agent.id] = detached(agent)
        store.agent_ids_by_external_id[agent.external_user_id] = agent.id
    for conversation in tx.conversations.values():
        store.conversations[conversation.id] = detached(conversation)
    for message in tx.messages:
        store.messages[message.conversation_id].append(message)
        store.messages_by_id[message.id] = message
        if message.reply_to is not None:
            store.replies[message.reply_to] = message.id
    for session in tx.chat_sessions.values():
        if session.id not in store.chat_sessions:
            store.sessions_by_member[(session.conversation_id, session.agent_id)].append(session.id)
        store.chat_sessions[session.id] = detached(session)
    for key, record in tx.records.items():
        store.idempotency[key] = detached(record)
    tx.release_locks()
