"""A loopback server that speaks the OpenAI chat-completions protocol, for tests.

`FakeOpenAI` answers `POST /v1/chat/completions` on 127.0.0.1 from its own threads (a
`ThreadingHTTPServer`), so a client that blocked the event loop would show as a stalled loop,
not as a deadlock. Each call takes the next planned answer (`plan(...)`), then `default`:

- `Reply`: a chat completion, whole or (when the request says `"stream": true`) as server-sent
  events in chunked transfer encoding, one flushed HTTP chunk per event, with the delays,
  gate and ending it names;
- `Refusal`: an error status, with `Retry-After` when given;
- `Malformed`: a 200 whose body (or whose one event) is not JSON.

Every call is recorded with its path, headers (lower-cased names) and JSON body. Other tests
(tests/e2e) use it through `running_fake_openai()` or `closed_port_url()`.
"""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

COMPLETIONS_PATH = "/v1/chat/completions"
GATE_TIMEOUT_S = 5.0

Ending = Literal["done", "finish_without_done", "cut", "end_without_finish"]


@dataclass(frozen=True)
class Reply:
    """A chat completion.

    Streamed, `pieces` (the words of `content` by default) go one per event after a role-only
    chunk, `first_token_delay_s` before the first and `chunk_delay_s` between the others.
    With a `gate`, the server waits (at most `GATE_TIMEOUT_S`, then cuts the stream) for the
    test to set it after the first piece. `ending`: `done` sends the finish reason, the usage
    chunk (when asked for) and `[DONE]`; `finish_without_done` leaves out `[DONE]`; after
    `pieces_before_end` pieces, `cut` drops the connection mid-body and `end_without_finish`
    ends the body cleanly with neither a finish reason nor `[DONE]`.
    Whole (or streamed when `ignores_stream`, as some servers do), the answer is one JSON
    document sent after `first_token_delay_s` and, with a `gate`, once the test sets it (the
    connection is dropped instead when it is not set within `GATE_TIMEOUT_S`).
    """

    content: str = "Hello from the fake server."
    pieces: tuple[str, ...] | None = None
    model: str = "fake-model-1"
    finish_reason: str | None = "stop"
    usage: tuple[int, int] | None = (21, 7)
    first_token_delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    gate: threading.Event | None = None
    ending: Ending = "done"
    pieces_before_end: int = 1
    ignores_stream: bool = False

    def stream_pieces(self) -> tuple[str, ...]:
        if self.pieces is not None:
            return self.pieces
        words = self.content.split(" ")
        return (*(f"{word} " for word in words[:-1]), words[-1])

    def completion(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.content},
                    "finish_reason": self.finish_reason,
                }
            ],
        }
        if self.usage is not None:
            document["usage"] = _usage(self.usage)
        return document


@dataclass(frozen=True)
class Refusal:
    """An error answer: `status`, a JSON error body, and `Retry-After` when given."""

    status: int
    retry_after: str | None = None
    message: str = "the fake server refuses"


@dataclass(frozen=True)
class Malformed:
    """A 200 whose body is `body`: whole as application/json, streamed as one event's data."""

    body: str = '{"choices": [{"message": '


Answer = Reply | Refusal | Malformed


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeOpenAI:
    """The server; `stop()` closes it, and from then on connections are refused."""

    default: Answer = field(default_factory=Reply)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: list[Answer] = []
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def call_count(self) -> int:
        with self._lock:
            return len(self.calls)

    def plan(self, *answers: Answer) -> None:
        """Answer the next calls with `answers`, in order; then `default` again."""
        with self._lock:
            self._planned.extend(answers)

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, or less when the server is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def take_call(self, call: Call) -> Answer:
        with self._lock:
            self.calls.append(call)
            return self._planned.pop(0) if self._planned else self.default

    def stop(self) -> None:
        if not self._stopping.is_set():
            self._stopping.set()
            self._httpd.shutdown()
            self._httpd.server_close()


@contextmanager
def running_fake_openai(default: Answer | None = None) -> Iterator[FakeOpenAI]:
    """A started fake server, stopped on leaving."""
    server = FakeOpenAI(default or Reply())
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _usage(usage: tuple[int, int]) -> dict[str, int]:
    prompt, completion = usage
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": sum(usage)}


def _chunk(model: str, *, delta: dict[str, str], finish_reason: str | None = None) -> bytes:
    document = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return _event(json.dumps(document))


def _event(data: str) -> bytes:
    return f"data: {data}\n\n".encode()


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if self.path != COMPLETIONS_PATH:
                self._send(404, b'{"error": {"message": "no such route"}}')
                return
            body = json.loads(raw)
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = server.take_call(Call(self.path, headers, body))
            try:
                self._answer(answer, streamed=bool(body.get("stream")), body=body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up

        def _answer(self, answer: Answer, *, streamed: bool, body: dict[str, Any]) -> None:
            if isinstance(answer, Refusal):
                error = {"error": {"message": answer.message, "type": "fake_error"}}
                extra = {"Retry-After": answer.retry_after} if answer.retry_after else {}
                self._send(answer.status, json.dumps(error).encode(), extra)
            elif isinstance(answer, Malformed):
                if streamed:
                    self._start_stream()
                    self._write_chunk(_event(answer.body))
                    self._end_stream()
                else:
                    self._send(200, answer.body.encode())
            elif streamed and not answer.ignores_stream:
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                self._stream(answer, include_usage=include_usage)
            else:
                server.pause(answer.first_token_delay_s)
                if answer.gate is not None and not answer.gate.wait(GATE_TIMEOUT_S):
                    self._cut()
                    return
                self._send(200, json.dumps(answer.completion()).encode())

        def _stream(self, reply: Reply, *, include_usage: bool) -> None:
            self._start_stream()
            self._write_chunk(b": the fake server is thinking\n\n")
            self._write_chunk(_chunk(reply.model, delta={"role": "assistant", "content": ""}))
            server.pause(reply.first_token_delay_s)
            for number, piece in enumerate(reply.stream_pieces(), start=1):
                if number > 1:
                    server.pause(reply.chunk_delay_s)
                self._write_chunk(_chunk(reply.model, delta={"content": piece}))
                if number == 1 and reply.gate is not None and not reply.gate.wait(GATE_TIMEOUT_S):
                    self._cut()
                    return
                if number == reply.pieces_before_end and reply.ending == "cut":
                    self._cut()
                    return
                if number == reply.pieces_before_end and reply.ending == "end_without_finish":
                    self._end_stream()
                    return
            self._write_chunk(_chunk(reply.model, delta={}, finish_reason=reply.finish_reason))
            if include_usage and reply.usage is not None:
                usage = {"id": "chatcmpl-fake", "model": reply.model, "choices": []}
                self._write_chunk(_event(json.dumps({**usage, "usage": _usage(reply.usage)})))
            if reply.ending == "done":
                self._write_chunk(_event("[DONE]"))
            self._end_stream()

        def _send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()

        def _write_chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _end_stream(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _cut(self) -> None:
            """Drop the connection in the middle of the body, with no last chunk."""
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
            pass

    return Handler
