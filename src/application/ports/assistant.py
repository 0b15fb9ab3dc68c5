"""The assistant port: the AI that answers a conversation."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.message import Message


class AssistantFailed(Exception):
    """The assistant could not give a whole reply."""


@dataclass(frozen=True, slots=True)
class AssistantReply:
    content: str
    model: str | None = None


class Assistant(Protocol):
    """Answers the latest message of a conversation, given its recent history (oldest first).

    `reply` returns the whole answer; `stream` yields it piece by piece, and the pieces joined
    are the whole answer. Both raise `AssistantFailed` when no whole answer can be given.
    """

    async def reply(self, history: Sequence[Message]) -> AssistantReply: ...

    def stream(self, history: Sequence[Message]) -> AsyncIterator[str]: ...
