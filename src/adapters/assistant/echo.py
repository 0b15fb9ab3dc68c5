"""The built-in assistant: answers by echoing the latest message, with no network."""

import re
from collections.abc import AsyncIterator, Sequence

from application.ports.assistant import AssistantReply
from domain.message import Message

_PIECES = re.compile(r"\S+\s*|\s+")


class EchoAssistant:
    """Deterministic: the reply to a message is always the same text."""

    model = "echo"

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        return AssistantReply(content=self.answer_to(history), model=self.model)

    async def stream(self, history: Sequence[Message]) -> AsyncIterator[str]:
        for piece in _PIECES.findall(self.answer_to(history)):
            yield piece

    @staticmethod
    def answer_to(history: Sequence[Message]) -> str:
        latest = history[-1].content if history else ""
        return f"Echo: {latest}"
