"""A plain Python model of what API.md says each user of Parley must see: their conversations,
in order of activity, with titles, statuses, messages and chat sessions, and what each
`client_message_id` stored; and the checks that hold a wire body to it.
`test_http_state_machine.py` drives the service and the model side by side."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

from domain.text import MAX_TITLE_CHARS
from e2e.helpers import Json, assert_chat_session, assert_conversation, assert_message

ECHO = "Echo: "
"""What the echo assistant puts before the message it answers."""


def may_be_posted(message: str) -> bool:
    return "\x00" not in message and not message.isspace() and message != ""


def may_name(title: str | None) -> bool:
    return title is None or ("\x00" not in title and 1 <= len(title) <= MAX_TITLE_CHARS)


@dataclass(frozen=True, slots=True)
class Said:
    id: str
    role: str
    content: str
    client_message_id: str | None = None


@dataclass(slots=True)
class Session:
    id: str
    conversation_id: str
    owner: int
    message_count: int = 0
    ended: bool = False


@dataclass(slots=True)
class Conversation:
    id: str
    owner: int
    title: str | None
    activity: int
    """When it last had a message, or was created while it has none: the list's order."""
    status: str = "active"
    messages: list[Said] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    """The owner's chat sessions on it, the latest last."""

    @property
    def active_session(self) -> Session | None:
        latest = self.sessions[-1] if self.sessions else None
        return latest if latest is not None and not latest.ended else None

    @property
    def archived(self) -> bool:
        return self.status == "archived"


@dataclass(frozen=True, slots=True)
class Keyed:
    """What a send with a `client_message_id` stored: its retries answer the same."""

    conversation_id: str
    message: str
    user_message_id: str
    assistant_message_id: str


@dataclass
class ChatModel:
    conversations: dict[str, Conversation] = field(default_factory=dict)
    keys: dict[tuple[int, str], Keyed] = field(default_factory=dict)
    agent_ids: dict[int, str] = field(default_factory=dict)
    clock: Iterator[int] = field(default_factory=count)

    def owned_by(self, agent: int) -> list[Conversation]:
        """The agent's conversations, most recent activity first."""
        mine = [c for c in self.conversations.values() if c.owner == agent]
        return sorted(mine, key=lambda c: c.activity, reverse=True)

    def start(self, conversation_id: str, owner: int, title: str | None) -> Conversation:
        conversation = Conversation(conversation_id, owner, title, next(self.clock))
        self.conversations[conversation_id] = conversation
        return conversation

    def post(self, conversation: Conversation, said: Said, session_id: str) -> None:
        """`said` stored in `conversation`, counted in the owner's session `session_id` (a new
        one when the latest had ended)."""
        conversation.messages.append(said)
        conversation.activity = next(self.clock)
        current = conversation.active_session
        if current is None:
            current = Session(session_id, conversation.id, conversation.owner)
            conversation.sessions.append(current)
        assert current.id == session_id, "the active chat session was not the one touched"
        current.message_count += 1

    # --- what the wire shows, held to the model -------------------------------------------

    def learn_agent(self, agent: int, conversation: Json) -> None:
        """The agent's id, as the first conversation it started shows it."""
        ids = [p["agent_id"] for p in conversation["participants"] if p["role"] == "iso_agent"]
        assert ids == [self.agent_ids.setdefault(agent, ids[0])]

    def check_conversation(self, body: Json, expected: Conversation) -> None:
        assert_conversation(body)
        self.learn_agent(expected.owner, body)
        assert body["id"] == expected.id
        assert (body["title"], body["status"]) == (expected.title, expected.status)
        assert body["message_count"] == len(expected.messages)
        assert (body["last_message_at"] is None) == (not expected.messages)
        self.check_active_session(body["active_chat_session"], expected)

    def check_active_session(self, body: Json | None, expected: Conversation) -> None:
        active = expected.active_session
        if active is None:
            assert body is None
        else:
            assert body is not None
            self.check_session(body, active)

    def check_session(self, body: Json, expected: Session) -> None:
        assert_chat_session(body)
        assert body["id"] == expected.id
        assert body["conversation_id"] == expected.conversation_id
        assert body["agent_id"] == self.agent_ids[expected.owner]
        assert body["status"] == ("ended" if expected.ended else "active")
        assert body["message_count"] == expected.message_count

    def check_message(self, body: Json, expected: Said, conversation: Conversation) -> None:
        assert_message(body)
        sequence = conversation.messages.index(expected) + 1
        assert body["conversation_id"] == conversation.id
        assert (body["id"], body["sequence"]) == (expected.id, sequence)
        assert (body["role"], body["content"]) == (expected.role, expected.content)
        assert body["client_message_id"] == expected.client_message_id
        owner = self.agent_ids[conversation.owner]
        assert body["sender_agent_id"] == (owner if expected.role == "iso_agent" else None)
