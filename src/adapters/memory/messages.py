"""In-memory messages: one gapless list per conversation, so a page is a slice."""

from uuid import UUID

from adapters.memory.transaction import Transaction
from application.ports.repositories import MessagePage, MessageRepository
from domain.message import Message


class MemoryMessageRepository(MessageRepository):
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    async def add(self, message: Message) -> None:
        self._tx.require_part(message.conversation_id)
        self._tx.messages.append(message)

    async def get(self, conversation_id: UUID, message_id: UUID) -> Message | None:
        if not self._tx.takes_part(conversation_id):
            return None
        own = (m for m in self._tx.messages if m.id == message_id)
        found = next(own, None) or self._tx.store.messages_by_id.get(message_id)
        return found if found is not None and found.conversation_id == conversation_id else None

    async def reply_to(self, message: Message) -> Message | None:
        if not self._tx.takes_part(message.conversation_id):
            return None
        own = (m for m in self._tx.messages if m.reply_to == message.id)
        reply_id = self._tx.store.replies.get(message.id)
        stored = None if reply_id is None else self._tx.store.messages_by_id[reply_id]
        return next(own, None) or stored

    async def newest(
        self, conversation_id: UUID, limit: int, before: int | None = None
    ) -> MessagePage:
        messages = self._visible_messages_of(conversation_id)
        end = len(messages) if before is None else max(0, min(before - 1, len(messages)))
        start = max(0, end - limit)
        return MessagePage(messages[start:end], has_more=start > 0)

    async def oldest_after(self, conversation_id: UUID, after: int, limit: int) -> MessagePage:
        messages = self._visible_messages_of(conversation_id)
        return MessagePage(messages[after : after + limit], has_more=len(messages) > after + limit)

    def _visible_messages_of(self, conversation_id: UUID) -> list[Message]:
        if not self._tx.takes_part(conversation_id):
            return []
        return self._tx.messages_of(conversation_id)
