"""The assistant port: the AI that answers a conversation."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from domain.message import Generation, Message

PieceSink = Callable[[str], Awaitable[None]]


class AssistantFailed(Exception):
    """The assistant could not give a whole reply."""


@dataclass(frozen=True, slots=True)
class AssistantReply:
    content: str
    generation: Generation = field(default_factory=Generation)


class Assistant(Protocol):
    """Answers the latest message of a conversation, given its recent history (oldest first).

    `reply` returns the whole answer. `stream` hands each piece of the answer to `on_piece` as
    it is made, then returns the whole answer, whose content is the pieces joined. Both raise
    `AssistantFailed` when no whole answer can be given, also after some pieces were handed on.
    """

    async def reply(self, history: Sequence[Message]) -> AssistantReply: ...

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply: ...
