"""Named errors for every rule the domain refuses to break."""


class DomainError(Exception):
    """A domain rule was broken; nothing was changed."""


class InvalidContent(DomainError):
    """Message content is empty, whitespace only, too long or holds U+0000."""


class InvalidAgentIdentity(DomainError):
    """An agent needs a non-empty external user id without U+0000."""


class InvalidTitle(DomainError):
    """A title is empty, too long or holds U+0000."""


class NotAParticipant(DomainError):
    """The agent takes no active part in the conversation."""


class CannotReply(DomainError):
    """The participant may not post messages."""


class CannotInvite(DomainError):
    """The participant may not add others to the conversation."""


class ConversationArchived(DomainError):
    """An archived conversation takes no new messages."""


class AlreadyParticipant(DomainError):
    """The agent already takes an active part in the conversation."""


class LastActiveAgent(DomainError):
    """The last active agent of a conversation cannot leave it."""


class AssistantIsPermanent(DomainError):
    """The AI participant of a conversation can neither leave nor be duplicated."""


class UnknownParticipant(DomainError):
    """No participant of the conversation has that id."""


class ChatSessionEnded(DomainError):
    """An ended chat session records no more activity."""
