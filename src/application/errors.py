"""Errors a use case raises to its caller, beside the domain's own."""

from uuid import UUID

from domain.message import Message


class ApplicationError(Exception):
    """A request could not be carried out; nothing of its unit of work was stored."""


class InvalidRequest(ApplicationError):
    """A request's values are out of the range a use case accepts."""


class ConversationNotFound(ApplicationError):
    """No conversation with that id has the caller as an active participant."""


class ChatSessionNotFound(ApplicationError):
    """No chat session with that id belongs to the caller."""


class AgentNotProvisioned(ApplicationError):
    """The signed-in user is not an agent and may not become one by signing in."""

    def __init__(self, external_user_id: str) -> None:
        super().__init__(
            f"no agent exists for user {external_user_id!r}; provision it with "
            "`parley agents add` or `parley agents sync`"
        )
        self.external_user_id = external_user_id


class IdempotencyConflict(ApplicationError):
    """A `client_message_id` was used again for a different request."""


class IdempotencyInProgress(ApplicationError):
    """The first request with this `client_message_id` is still being answered."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("the first request with this client_message_id is still being answered")
        self.retry_after_seconds = retry_after_seconds


class NothingToReply(ApplicationError):
    """The conversation has no message for the assistant to answer."""


class AssistantUnavailable(ApplicationError):
    """The assistant failed or timed out; the caller's message is stored."""

    def __init__(self, conversation_id: UUID, user_message: Message) -> None:
        super().__init__("the assistant did not answer; the message is stored, ask again later")
        self.conversation_id = conversation_id
        self.user_message = user_message


class StoreUnavailable(ApplicationError):
    """The store cannot be reached; nothing was written."""


class AccessRefused(ApplicationError):
    """A unit of work wrote to a conversation its acting agent does not take part in: a bug,
    since use cases check access first; the store refused it and nothing was stored."""


class ConcurrentUpdate(ApplicationError):
    """Another unit of work changed the same data first; the work may be tried again."""
