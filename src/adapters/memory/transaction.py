"""What one in-memory unit of work has read, written and locked, until it commits or ends."""

from collections.abc import Hashable
from dataclasses import dataclass, field
from uuid import UUID

from adapters.memory.store import MemoryStore
from application.errors import AccessRefused, ConcurrentUpdate
from application.idempotency import IdempotencyRecord
from domain.agent import Agent
from domain.chat_session import ChatSession
from domain.conversation import Conversation
from domain.message import Message


@dataclass(eq=False)
class Transaction:
    """Writes stay here, invisible to every other unit of work, until commit applies them."""

    store: MemoryStore
    agents: dict[UUID, Agent] = field(default_factory=dict)
    conversations: dict[UUID, Conversation] = field(default_factory=dict)
    read_versions: dict[UUID, int] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    chat_sessions: dict[UUID, ChatSession] = field(default_factory=dict)
    records: dict[tuple[UUID, str], IdempotencyRecord] = field(default_factory=dict)
    new_records: set[tuple[UUID, str]] = field(default_factory=set)
    acting: UUID | None = None
    """The agent this transaction works for, as PostgreSQL's row-level security knows it."""
    _held: list[Hashable] = field(default_factory=list)

    async def lock(self, key: Hashable) -> None:
        """Take the row lock `key` until the unit of work ends (at once if already held)."""
        if key in self._held:
            return
        await self.store.lock(key).acquire()
        self._held.append(key)

    def release_locks(self) -> None:
        while self._held:
            self.store.lock(self._held.pop()).release()

    def conversation(self, conversation_id: UUID) -> Conversation | None:
        """The conversation as this transaction left it, else as committed, if it exists."""
        return self.conversations.get(conversation_id) or self.store.conversations.get(
            conversation_id
        )

    def takes_part(self, conversation_id: UUID) -> bool:
        """Whether the acting agent is an active participant of the conversation, as this
        transaction sees it: rows of any other conversation are invisible here."""
        conversation = self.conversation(conversation_id)
        return (
            self.acting is not None
            and conversation is not None
            and conversation.is_visible_to(self.acting)
        )

    def require_part(self, conversation_id: UUID) -> None:
        """Refuse adding rows to a conversation the acting agent does not take part in."""
        if not self.takes_part(conversation_id):
            raise AccessRefused(f"the acting agent does not take part in {conversation_id}")

    def require_part_to_change(self, conversation_id: UUID) -> None:
        """Refuse changing rows of such a conversation as PostgreSQL does: the rows are not
        there for this agent, as if another unit of work had removed them."""
        if not self.takes_part(conversation_id):
            raise ConcurrentUpdate(f"no row of {conversation_id} for the acting agent to change")

    def messages_of(self, conversation_id: UUID) -> list[Message]:
        """Committed and own messages of a conversation, in sequence order."""
        own = [m for m in self.messages if m.conversation_id == conversation_id]
        return [*self.store.messages.get(conversation_id, []), *own]
