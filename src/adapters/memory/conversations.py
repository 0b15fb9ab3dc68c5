"""In-memory conversations."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.memory.store import detached
from adapters.memory.transaction import Transaction
from application.errors import AccessRefused
from application.ports.repositories import ActivityCursor, ConversationRepository
from domain.conversation import Conversation, ConversationStatus


class MemoryConversationRepository(ConversationRepository):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__()
        self._tx = transaction

    async def _add(self, conversation: Conversation) -> None:
        first = conversation.participants[0] if conversation.participants else None
        if (
            first is None
            or first.agent_id is None
            or first.agent_id != self._tx.acting
            or not first.is_active
            or (len(conversation.participants) > 1 and not first.can_invite)
        ):
            raise AccessRefused("the acting agent starts a conversation as its first participant")
        self._tx.conversations[conversation.id] = conversation

    async def _save(self, conversation: Conversation) -> None:
        self._tx.require_part_to_change(conversation.id)
        before = self._tx.conversation(conversation.id)
        assert before is not None  # require_part_to_change found it
        known = {p.id for p in before.participants}
        acting = before.active_participant(self._tx.acting) if self._tx.acting else None
        joining = any(p.id not in known for p in conversation.participants)
        if joining and (acting is None or not acting.can_invite):
            raise AccessRefused("only a participant who may invite adds participants")
        self._tx.conversations[conversation.id] = conversation

    async def get(
        self, conversation_id: UUID, *, for_update: bool = False, session_of: UUID | None = None
    ) -> Conversation | None:
        if conversation_id in self._tx.conversations:
            own = self._tx.conversations[conversation_id]
            return own if self._tx.takes_part(conversation_id) else None
        if for_update:
            await self._tx.lock(("conversation", conversation_id))
        stored = self._tx.store.conversations.get(conversation_id)
        if stored is None or not self._tx.takes_part(conversation_id):
            return None
        self._tx.read_versions.setdefault(conversation_id, stored.version)
        return detached(stored)

    async def list_for_agent(
        self,
        agent_id: UUID,
        statuses: Sequence[ConversationStatus],
        after: ActivityCursor | None,
        limit: int,
    ) -> list[Conversation]:
        every = {**self._tx.store.conversations, **self._tx.conversations}.values()
        mine = [
            c
            for c in every
            if c.status in statuses and c.is_visible_to(agent_id) and self._tx.takes_part(c.id)
        ]
        mine.sort(key=_activity_key, reverse=True)
        if after is not None:
            cut = (after.last_activity_at, after.conversation_id)
            mine = [c for c in mine if _activity_key(c) < cut]
        return detached(mine[:limit])


def _activity_key(conversation: Conversation) -> tuple[datetime, UUID]:
    return (conversation.last_activity_at, conversation.id)
