"""The chat-completions wire format: the request Parley sends and the answers it reads."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from application.ports.assistant import AssistantFailed, AssistantReply
from domain.message import Generation, Message
from domain.roles import Role

OPERATOR_MARK = "[operator] "

WireMessage = dict[str, str]


def chat_messages(
    system_prompt: str, history: Sequence[Message], budget_chars: int
) -> list[WireMessage]:
    """The system prompt, then the newest messages whose contents fit `budget_chars`, oldest first.

    The latest message is always sent, however long it is; an older one that does not fit
    ends the selection, so what is sent is always an unbroken tail of the conversation.
    """
    kept: list[WireMessage] = []
    used = 0
    for message in reversed(history):
        wire = wire_message(message)
        used += len(wire["content"])
        if kept and used > budget_chars:
            break
        kept.append(wire)
    kept.reverse()
    return [{"role": "system", "content": system_prompt}, *kept]


def wire_message(message: Message) -> WireMessage:
    """One message as the server reads it; an operator's is marked in its name and its text."""
    if message.role is Role.AI_ASSISTANT:
        return {"role": "assistant", "content": message.content}
    if message.role is Role.OPERATOR:
        return {"role": "user", "name": "operator", "content": OPERATOR_MARK + message.content}
    return {"role": "user", "content": message.content}


def request_body(model: str, messages: list[WireMessage], *, stream: bool) -> dict[str, object]:
    body: dict[str, object] = {"model": model, "messages": messages, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def reply_from(document: object, default_model: str) -> AssistantReply:
    """The reply in a whole chat completion; `AssistantFailed` when it holds no text."""
    completion = _document(document)
    choice = _first_choice(completion)
    content = _object(choice.get("message")).get("content")
    if not isinstance(content, str):
        raise AssistantFailed("the assistant's answer holds no text")
    prompt_tokens, completion_tokens = _usage(completion.get("usage"))
    return AssistantReply(
        _non_empty(content),
        Generation(
            model=_text(completion.get("model")) or default_model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=_text(choice.get("finish_reason")),
        ),
    )


@dataclass
class StreamedReply:
    """A reply read chunk by chunk: its pieces so far, its model, finish reason and usage.

    It is complete once the server said `[DONE]` or gave a finish reason.
    """

    default_model: str
    pieces: list[str] = field(default_factory=list)
    model: str | None = None
    finish_reason: str | None = None
    usage: tuple[int | None, int | None] = (None, None)
    done: bool = False
    """The server said `[DONE]`."""

    def take(self, chunk: object) -> str:
        """The text piece `chunk` adds ("" when none); remembers what else it says."""
        document = _document(chunk)
        self.model = _text(document.get("model")) or self.model
        if document.get("usage") is not None:
            self.usage = _usage(document.get("usage"))
        choices = document.get("choices")
        if not isinstance(choices, list) or not choices:
            return ""
        choice = _object(choices[-1])
        self.finish_reason = _text(choice.get("finish_reason")) or self.finish_reason
        delta = choice.get("delta")
        piece = delta.get("content") if isinstance(delta, dict) else None
        if not isinstance(piece, str) or not piece:
            return ""
        self.pieces.append(piece)
        return piece

    def reply(self) -> AssistantReply:
        """The whole reply; `AssistantFailed` when the stream broke off or brought no text."""
        if not (self.done or self.finish_reason):
            raise AssistantFailed("the assistant's stream ended before the reply was complete")
        content = _non_empty("".join(self.pieces))
        generation = Generation(
            model=self.model or self.default_model,
            finish_reason=self.finish_reason,
            prompt_tokens=self.usage[0],
            completion_tokens=self.usage[1],
        )
        return AssistantReply(content, generation)


def _first_choice(document: dict[str, object]) -> dict[str, object]:
    choices = document.get("choices")
    if not isinstance(choices, list) or not choices:
        raise AssistantFailed("the assistant server's answer holds no choice")
    return _object(choices[0])


def _document(value: object) -> dict[str, object]:
    document = _object(value)
    if document.get("error") is not None:
        raise AssistantFailed("the assistant server reported an error")
    return document


def _object(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise AssistantFailed("the assistant server's answer is not a chat completion")
    return value


def _usage(value: object) -> tuple[int | None, int | None]:
    counts = value if isinstance(value, dict) else {}
    return _count(counts.get("prompt_tokens")), _count(counts.get("completion_tokens"))


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _non_empty(content: str) -> str:
    if not content.strip():
        raise AssistantFailed("the assistant gave an empty reply")
    return content
