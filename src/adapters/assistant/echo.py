"""The built-in assistant: answers by echoing the latest message, with no network."""

import re
from collections.abc import Sequence

from application.ports.assistant import AssistantReply, PieceSink
from domain.message import Generation, Message

_PIECES = re.compile(r"\S+\s*|\s+")
_ECHO = Generation(model="echo", finish_reason="stop")


class EchoAssistant:
    """Deterministic: the reply to a message is always the same text."""

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        return AssistantReply(self.answer_to(history), _ECHO)

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        answer = self.answer_to(history)
        for piece in _PIECES.findall(answer):
            await on_piece(piece)
        return AssistantReply(answer, _ECHO)

    @staticmethod
    def answer_to(history: Sequence[Message]) -> str:
        latest = history[-1].content if history else ""
        return f"Echo: {latest}"
