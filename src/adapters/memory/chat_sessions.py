"""In-memory chat sessions, locked per (conversation, agent)."""

from collections.abc import Sequence
from uuid import UUID

from adapters.memory.store import detached
from adapters.memory.transaction import Transaction
from application.ports.repositories import ChatSessionRepository
from domain.chat_session import ChatSession


class MemoryChatSessionRepository(ChatSessionRepository):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__()
        self._tx = transaction

    async def _add(self, session: ChatSession) -> None:
        self._tx.require_part(session.conversation_id)
        self._tx.chat_sessions[session.id] = session

    async def _save(self, session: ChatSession) -> None:
        self._tx.require_part_to_change(session.conversation_id)
        self._tx.chat_sessions[session.id] = session

    async def get(self, session_id: UUID, *, for_update: bool = False) -> ChatSession | None:
        if session_id in self._tx.chat_sessions:
            own = self._tx.chat_sessions[session_id]
            return own if self._tx.takes_part(own.conversation_id) else None
        stored = self._tx.store.chat_sessions.get(session_id)
        if stored is None or not self._tx.takes_part(stored.conversation_id):
            return None
        if for_update:
            await self._tx.lock(_member_key(stored))
            stored = self._tx.store.chat_sessions[session_id]
        return detached(stored)

    async def latest_for(
        self, conversation_id: UUID, agent_id: UUID, *, for_update: bool = False
    ) -> ChatSession | None:
        if not self._tx.takes_part(conversation_id):
            return None
        if for_update:
            await self._tx.lock(("chat_session", conversation_id, agent_id))
        own = [
            s
            for s in self._tx.chat_sessions.values()
            if (s.conversation_id, s.agent_id) == (conversation_id, agent_id)
        ]
        stored_ids = self._tx.store.sessions_by_member.get((conversation_id, agent_id), [])
        stored = [
            detached(self._tx.store.chat_sessions[i])
            for i in stored_ids
            if i not in self._tx.chat_sessions
        ]
        candidates = [*own, *stored]
        if not candidates:
            return None
        return max(candidates, key=lambda s: (s.is_active, s.started_at))

    async def active_for_agent(
        self, agent_id: UUID, conversation_ids: Sequence[UUID]
    ) -> dict[UUID, ChatSession]:
        found = {}
        for conversation_id in conversation_ids:
            session = await self.latest_for(conversation_id, agent_id)
            if session is not None and session.is_active:
                found[conversation_id] = session
        return found


def _member_key(session: ChatSession) -> tuple[str, UUID, UUID]:
    return ("chat_session", session.conversation_id, session.agent_id)
