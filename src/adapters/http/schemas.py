"""The wire shapes of API.md, as msgspec structs. Requests refuse unknown fields."""

import re
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

Title = Annotated[str, Meta(min_length=1, max_length=200)]
CLIENT_MESSAGE_ID = r"^[A-Za-z0-9._:-]{1,64}$"
ClientMessageId = Annotated[str, Meta(pattern=CLIENT_MESSAGE_ID)]
_WHOLE_CLIENT_MESSAGE_ID = re.compile(CLIENT_MESSAGE_ID)
Role = Literal["iso_agent", "ai_assistant", "operator"]


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: any field not named here is refused (no mass assignment)."""


class InitChatIn(Request):
    title: Title | None = None


class SendMessageIn(Request):
    message: Annotated[str, Meta(min_length=1)]
    conversation_id: UUID | None = None
    client_message_id: ClientMessageId | None = None

    def __post_init__(self) -> None:
        # msgspec applies `pattern` with `re.search`, whose `$` also matches before a final line
        # break: "k1\n" passes it. The whole id must match, as the schema (and the database) mean.
        if self.client_message_id is not None and not _WHOLE_CLIENT_MESSAGE_ID.fullmatch(
            self.client_message_id
        ):
            raise ValueError(f"client_message_id: must match {CLIENT_MESSAGE_ID}")


class UpdateConversationIn(Request):
    title: Title | UnsetType | None = UNSET
    status: Literal["active", "archived"] | UnsetType = UNSET


class ParticipantOut(msgspec.Struct, kw_only=True):
    id: UUID
    role: Role
    agent_id: UUID | None
    is_active: bool
    can_reply: bool
    can_invite: bool
    notifications_enabled: bool
    joined_at: datetime


class ChatSessionOut(msgspec.Struct, kw_only=True):
    id: UUID
    conversation_id: UUID
    agent_id: UUID
    status: Literal["active", "ended"]
    started_at: datetime
    last_activity_at: datetime
    ended_at: datetime | None
    message_count: int


class MessageOut(msgspec.Struct, kw_only=True):
    id: UUID
    conversation_id: UUID
    sequence: int
    role: Role
    sender_agent_id: UUID | None
    content: str
    client_message_id: str | None
    created_at: datetime


class ConversationOut(msgspec.Struct, kw_only=True):
    id: UUID
    title: str | None
    status: Literal["active", "archived"]
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    message_count: int
    participants: list[ParticipantOut]
    active_chat_session: ChatSessionOut | None


class ChatStartedOut(msgspec.Struct, kw_only=True):
    conversation: ConversationOut
    chat_session: ChatSessionOut


class ChatTurnOut(msgspec.Struct, kw_only=True):
    conversation: ConversationOut
    chat_session: ChatSessionOut
    user_message: MessageOut
    assistant_message: MessageOut


class UserMessageEvent(msgspec.Struct, kw_only=True):
    """The data of the first server-sent event of a streamed turn."""

    conversation: ConversationOut
    chat_session: ChatSessionOut
    user_message: MessageOut


class Delta(msgspec.Struct, kw_only=True):
    """The data of a `delta` event: the next piece of the assistant's reply."""

    text: str


class ReplyOut(msgspec.Struct, kw_only=True):
    assistant_message: MessageOut
    chat_session: ChatSessionOut


class ConversationPageOut(msgspec.Struct, kw_only=True):
    items: list[ConversationOut]
    next_cursor: str | None


class MessagePageOut(msgspec.Struct, kw_only=True):
    items: list[MessageOut]
    has_more: bool


class HealthOut(msgspec.Struct, kw_only=True):
    status: Literal["ok"]


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details, with Parley's stable machine-readable `code`."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    conversation_id: UUID | None = None
    user_message: MessageOut | None = None
