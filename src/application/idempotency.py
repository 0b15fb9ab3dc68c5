"""What Parley remembers of a send made with a `client_message_id`."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID


def digest_of(message: str) -> str:
    return hashlib.sha256(message.encode()).hexdigest()


@dataclass(slots=True)
class IdempotencyRecord:
    agent_id: UUID
    client_message_id: str
    conversation_id: UUID
    user_message_id: UUID
    message_digest: str
    created_at: datetime
    claimed_at: datetime | None
    """When a request started asking the assistant; None once it finished or failed."""
    assistant_message_id: UUID | None = None

    def is_retry_of(self, message: str, conversation_id: UUID | None) -> bool:
        same_conversation = conversation_id is None or conversation_id == self.conversation_id
        return same_conversation and digest_of(message) == self.message_digest

    def is_in_progress(self, now: datetime, timeout: timedelta) -> bool:
        return self.claimed_at is not None and now - self.claimed_at < timeout

    def claim(self, now: datetime) -> None:
        self.claimed_at = now

    def release(self) -> None:
        self.claimed_at = None

    def complete(self, assistant_message_id: UUID) -> None:
        self.assistant_message_id = assistant_message_id
        self.claimed_at = None
