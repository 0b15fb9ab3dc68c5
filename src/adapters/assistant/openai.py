"""An assistant behind any OpenAI-compatible chat-completions server, reached over HTTP."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx

from adapters.assistant.backoff import retry_delay
from adapters.assistant.openai_stream import answers_whole, hand_on_pieces, whole_reply_of
from adapters.assistant.openai_wire import StreamedReply, chat_messages, reply_from, request_body
from adapters.assistant.sse import MalformedEventStream
from application.ports.assistant import AssistantFailed, AssistantReply, PieceSink
from domain.message import Message

DEFAULT_SYSTEM_PROMPT = (
    "You are the AI assistant of Parley, a chat where agents ask for help with their work. "
    "Answer clearly and concisely, say so when you are not sure, and never make up facts. "
    "Messages that begin with [operator] come from a human operator who supervises the "
    "conversation."
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OpenAIConfig:
    """Where the server is, what to send it, and how long and how often to try.

    `base_url` ends before `/chat/completions` (e.g. "http://host:8080/v1"). Without an
    `api_key` no Authorization header is sent. `history_chars` bounds the message characters
    sent (the latest message always goes). Streaming waits `first_token_timeout_s` for the
    first piece of text and `read_timeout_s` between chunks after it; a whole answer must come
    within both together. Connection errors, 429 and 5xx are tried again `max_retries` times.
    """

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    history_chars: int = 24_000
    connect_timeout_s: float = 5.0
    first_token_timeout_s: float = 30.0
    read_timeout_s: float = 60.0
    max_retries: int = 2
    backoff_s: float = 0.5
    max_retry_after_s: float = 10.0

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/chat/completions"


class _TryAgain(Exception):
    """An attempt failed in a way that another attempt may not."""

    def __init__(self, reason: str, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class OpenAICompatibleAssistant:
    """The `Assistant` port over the chat-completions API of OpenAI, vLLM, llama.cpp, Ollama...

    The `client` is injected and its lifetime belongs to the caller. Every failure becomes
    `AssistantFailed` with a short reason that never holds the API key. A failed attempt is
    repeated (with backoff) only on connection errors, 429 and 5xx, and only while no piece
    of the reply has been handed on.
    """

    def __init__(
        self, client: httpx.AsyncClient, config: OpenAIConfig, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._client = client
        self._config = config
        self._sleep = sleep
        self._headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        body = self._body(history, stream=False)
        return await self._with_retries(lambda: self._whole(body))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        body = self._body(history, stream=True)
        return await self._with_retries(lambda: self._streamed(body, on_piece))

    def _body(self, history: Sequence[Message], *, stream: bool) -> dict[str, object]:
        config = self._config
        messages = chat_messages(config.system_prompt, history, config.history_chars)
        return request_body(config.model, messages, stream=stream)

    async def _with_retries(
        self, attempt: Callable[[], Awaitable[AssistantReply]]
    ) -> AssistantReply:
        failures = 0
        while True:
            try:
                return await attempt()
            except _TryAgain as failure:
                failures += 1
                if failures > self._config.max_retries:
                    reason = f"{failure.reason} ({failures} attempts)"
                    raise AssistantFailed(reason) from failure
                delay = retry_delay(
                    failures - 1,
                    backoff_s=self._config.backoff_s,
                    retry_after=failure.retry_after,
                    max_retry_after_s=self._config.max_retry_after_s,
                )
                await self._sleep(delay)

    async def _whole(self, body: dict[str, object]) -> AssistantReply:
        config = self._config
        within_s = config.first_token_timeout_s + config.read_timeout_s
        try:
            async with asyncio.timeout(within_s):
                response = await self._client.post(
                    config.url, json=body, headers=self._headers, timeout=self._timeout(within_s)
                )
        except TimeoutError:
            raise AssistantFailed(
                f"the assistant server gave no answer within {within_s:g}s"
            ) from None
        except httpx.TransportError as error:
            raise _transport_failure(error) from error
        _check_status(response)
        try:
            document = response.json()
        except ValueError:
            raise AssistantFailed("the assistant server answered malformed JSON") from None
        return reply_from(document, config.model)

    async def _streamed(self, body: dict[str, object], on_piece: PieceSink) -> AssistantReply:
        config = self._config
        reading = StreamedReply(config.model)
        read_s = max(config.first_token_timeout_s, config.read_timeout_s)
        pace = asyncio.timeout(config.first_token_timeout_s)
        try:
            async with (
                pace,
                self._client.stream(
                    "POST",
                    config.url,
                    json=body,
                    headers=self._headers,
                    timeout=self._timeout(read_s),
                ) as response,
            ):
                _check_status(response)
                if answers_whole(response):
                    whole = await whole_reply_of(response, config.model)
                    pace.reschedule(None)
                    await on_piece(whole.content)
                    return whole
                await hand_on_pieces(
                    response, reading, on_piece, pace=pace, read_timeout_s=config.read_timeout_s
                )
        except TimeoutError:
            if not pace.expired():
                raise
            if reading.pieces:
                stalled = f"the assistant's stream stalled for {config.read_timeout_s:g}s"
                raise AssistantFailed(stalled) from None
            silent = f"the assistant sent no text within {config.first_token_timeout_s:g}s"
            raise AssistantFailed(silent) from None
        except MalformedEventStream:
            raise AssistantFailed("the assistant server sent a malformed stream") from None
        except httpx.TransportError as error:
            if reading.pieces:
                raise AssistantFailed("the assistant's stream broke off") from error
            raise _transport_failure(error) from error
        return reading.reply()

    def _timeout(self, read_s: float) -> httpx.Timeout:
        connect_s = self._config.connect_timeout_s
        return httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"the assistant server answered {status}"
    if status == 429 or status >= 500:
        raise _TryAgain(reason, response.headers.get("Retry-After"))
    raise AssistantFailed(reason)


def _transport_failure(error: httpx.TransportError) -> Exception:
    """Connection errors are worth another attempt; a server too slow to answer is not."""
    kind = type(error).__name__
    if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        return _TryAgain(f"could not connect to the assistant server in time ({kind})")
    if isinstance(error, httpx.TimeoutException):
        return AssistantFailed(f"the assistant server timed out ({kind})")
    if isinstance(error, httpx.UnsupportedProtocol | httpx.ProxyError):
        return AssistantFailed(f"the assistant server cannot be reached ({kind})")
    return _TryAgain(f"could not reach the assistant server ({kind})")
