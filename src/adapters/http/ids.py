"""Ids in paths: a malformed one names nothing, so it is answered like an unknown one."""

from typing import Annotated
from uuid import UUID

from litestar.params import PathParameter

from application.errors import ChatSessionNotFound, ConversationNotFound

ConversationIdParam = Annotated[
    str, PathParameter(description="A conversation id (UUID)", schema_extra={"format": "uuid"})
]
SessionIdParam = Annotated[
    str, PathParameter(description="A chat session id (UUID)", schema_extra={"format": "uuid"})
]


def conversation_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ConversationNotFound(f"conversation {text!r} not found") from None


def session_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ChatSessionNotFound(f"chat session {text!r} not found") from None
