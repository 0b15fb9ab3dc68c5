"""What a caller reads of a conversation: the conversation and its own active session."""

from dataclasses import dataclass

from domain.chat_session import ChatSession
from domain.conversation import Conversation


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    active_chat_session: ChatSession | None

    @classmethod
    def of(cls, conversation: Conversation, session: ChatSession | None) -> "ConversationView":
        return cls(conversation, session if session is not None and session.is_active else None)
