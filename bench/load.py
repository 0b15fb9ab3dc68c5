"""A load generator in a process of its own: a minimal HTTP/1.1 keep-alive client on asyncio.

Send mode: `--concurrency` connections, each first creating its own conversation
(`POST /api/chat/init`), then sending `POST /api/chat` to it, one request after another, for
`--warmup` then `--seconds` seconds; only requests completed in the last `--seconds` count.
Get mode (`--get PATH`): one connection sends the same GET `--requests` times (after a few
unmeasured ones). Either prints one JSON line: count, errors, seconds, rps, p50_ms, p99_ms.

    python bench/load.py --url http://127.0.0.1:8000 --token T --concurrency 8 --seconds 20
    python bench/load.py --url http://127.0.0.1:8000 --token T --get /api/conversations
"""

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from stats import Throughput

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] brings it
    uvloop = None

DEFAULT_MESSAGE = "How far is the moon?"
GET_WARMUP_REQUESTS = 20


class HttpError(Exception):
    """A response that is not a success, or a connection that broke."""


class Connection:
    """One keep-alive HTTP/1.1 connection; a request at a time."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self._host, self._port = host, port
        self._headers = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: object = None) -> bytes:
        """The body of a 2xx response; `HttpError` for anything else."""
        reader, writer = await self._open()
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self._headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        writer.write(head.encode() + b"\r\n" + payload)
        try:
            status, content = await _response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as broken:
            await self.close()
            raise HttpError(f"connection broken: {broken!r}") from broken
        if not 200 <= status < 300:
            raise HttpError(f"{method} {path}: {status} {content[:200]!r}")
        return content

    async def close(self) -> None:
        if self._streams is not None:
            _, writer = self._streams
            self._streams = None
            writer.close()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        return self._streams


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return status, await _chunks(reader)
    return status, await reader.readexactly(int(headers.get("content-length", "0")))


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return bytes(body)
        body += chunk[:-2]


@dataclass
class _Window:
    """Completions between `start` and `end` count; those before are the warm-up."""

    start: float
    end: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    def record(self, started: float, finished: float, failed: bool) -> None:
        if self.start <= finished <= self.end:
            if failed:
                self.errors += 1
            else:
                self.latencies_ms.append((finished - started) * 1000)


async def _timed(window: _Window, call: Callable[[], Awaitable[bytes]]) -> None:
    started = time.perf_counter()
    try:
        await call()
    except HttpError:
        window.record(started, time.perf_counter(), failed=True)
    else:
        window.record(started, time.perf_counter(), failed=False)


async def send_load(
    host: str,
    port: int,
    token: str,
    *,
    concurrency: int,
    warmup: float,
    seconds: float,
    message: str,
) -> Throughput:
    connections = [Connection(host, port, token) for _ in range(concurrency)]
    conversations = await asyncio.gather(*(_new_conversation(c) for c in connections))
    now = time.perf_counter()
    window = _Window(now + warmup, now + warmup + seconds)

    async def worker(connection: Connection, conversation_id: str) -> None:
        body = {"message": message, "conversation_id": conversation_id}
        while time.perf_counter() < window.end:
            await _timed(window, lambda: connection.request("POST", "/api/chat", body))
        await connection.close()

    await asyncio.gather(*map(worker, connections, conversations))
    return Throughput.of(window.latencies_ms, window.errors, seconds)


async def _new_conversation(connection: Connection) -> str:
    started = json.loads(await connection.request("POST", "/api/chat/init", {"title": "bench"}))
    return str(started["conversation"]["id"])


async def get_load(host: str, port: int, token: str, path: str, requests: int) -> Throughput:
    connection = Connection(host, port, token)
    for _ in range(GET_WARMUP_REQUESTS):
        await connection.request("GET", path)
    window = _Window(time.perf_counter(), float("inf"))
    for _ in range(requests):
        await _timed(window, lambda: connection.request("GET", path))
    await connection.close()
    return Throughput.of(window.latencies_ms, window.errors, time.perf_counter() - window.start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a bearer token")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--message", default=DEFAULT_MESSAGE)
    parser.add_argument("--get", metavar="PATH", help="GET this path instead of sending")
    parser.add_argument("--requests", type=int, default=300, help="how many GETs to time")
    arguments = parser.parse_args()
    server = urlsplit(arguments.url)
    host, port = server.hostname or "127.0.0.1", server.port or 80
    if arguments.get:
        load = get_load(host, port, arguments.token, arguments.get, arguments.requests)
    else:
        load = send_load(
            host,
            port,
            arguments.token,
            concurrency=arguments.concurrency,
            warmup=arguments.warmup,
            seconds=arguments.seconds,
            message=arguments.message,
        )
    result = uvloop.run(load) if uvloop is not None else asyncio.run(load)
    print(json.dumps(result.as_json()), flush=True)


if __name__ == "__main__":
    main()
