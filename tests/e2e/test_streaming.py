"""`POST /api/chat` with `Accept: text/event-stream`: the reply streamed, and stored once whole."""

import asyncio
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from application.ports.assistant import AssistantFailed, AssistantReply, PieceSink
from domain.message import Message
from e2e.conftest import bearer
from entrypoints.asgi import build_app
from entrypoints.container import Container

STREAM = {"Accept": "text/event-stream"}


class SlowAssistant:
    """Streams `pieces` pieces, `delay_s` apart; fails after `fail_after` pieces if given."""

    def __init__(self, pieces: int = 5, delay_s: float = 0.0, fail_after: int | None = None):
        self.pieces, self.delay_s, self.fail_after = pieces, delay_s, fail_after
        self.calls = 0

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        return await self.stream(history, _ignore)

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        self.calls += 1
        sent = []
        for n in range(self.pieces):
            if self.fail_after is not None and n == self.fail_after:
                raise AssistantFailed("the model went away mid-reply")
            await asyncio.sleep(self.delay_s)
            sent.append(f"piece {n} ")
            await on_piece(sent[-1])
        return AssistantReply("".join(sent))


async def _ignore(_: str) -> None:
    return None


@pytest.fixture
def serve_with(container: Container) -> Iterator[Any]:
    opened: list[TestClient[Any]] = []

    def serve(assistant: SlowAssistant) -> TestClient[Any]:
        container.assistant.override(providers.Object(assistant))
        client = TestClient(build_app(container))
        opened.append(client.__enter__())
        return client

    yield serve
    for client in opened:
        client.__exit__(None, None, None)
    container.assistant.reset_override()


def events_of(body: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a server-sent event stream."""
    parsed = []
    for block in body.strip().split("\r\n\r\n" if "\r\n\r\n" in body else "\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


def test_a_streamed_reply_arrives_in_pieces_and_is_stored_whole(serve_with: Any) -> None:
    client = serve_with(SlowAssistant(pieces=5))
    response = client.post(
        "/api/chat", json={"message": "stream please"}, headers=bearer("alice") | STREAM
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = events_of(response.text)
    names = [name for name, _ in events]
    assert names == ["user_message", *["delta"] * 5, "assistant_message"]
    accepted, stored = events[0][1], events[-1][1]
    assert accepted["user_message"]["content"] == "stream please"
    joined = "".join(data["text"] for name, data in events if name == "delta")
    assert stored["content"] == joined
    conversation_id = accepted["conversation"]["id"]
    page = client.get(
        f"/api/conversations/{conversation_id}/messages", headers=bearer("alice")
    ).json()
    assert [(m["sequence"], m["content"]) for m in page["items"]] == [
        (1, "stream please"),
        (2, joined),
    ]


def test_a_retry_asked_as_a_stream_replays_the_turn_without_deltas(serve_with: Any) -> None:
    assistant = SlowAssistant(pieces=3)
    client = serve_with(assistant)
    body = {"message": "once", "client_message_id": "stream-1"}
    first = events_of(client.post("/api/chat", json=body, headers=bearer("alice") | STREAM).text)
    again = client.post("/api/chat", json=body, headers=bearer("alice") | STREAM)
    replayed = events_of(again.text)
    assert [name for name, _ in replayed] == ["user_message", "assistant_message"]
    assert replayed[0][1]["user_message"]["id"] == first[0][1]["user_message"]["id"]
    assert replayed[1][1]["id"] == first[-1][1]["id"]
    assert assistant.calls == 1


def test_a_failure_mid_stream_ends_with_an_error_event_and_stores_no_reply(
    serve_with: Any,
) -> None:
    client = serve_with(SlowAssistant(pieces=5, fail_after=2))
    response = client.post(
        "/api/chat", json={"message": "fragile"}, headers=bearer("alice") | STREAM
    )
    events = events_of(response.text)
    assert [name for name, _ in events] == ["user_message", "delta", "delta", "error"]
    problem = events[-1][1]
    assert problem["code"] == "assistant_unavailable"
    assert problem["status"] == 502
    assert problem["user_message"]["content"] == "fragile"
    conversation_id = problem["conversation_id"]
    page = client.get(
        f"/api/conversations/{conversation_id}/messages", headers=bearer("alice")
    ).json()
    assert [m["role"] for m in page["items"]] == ["iso_agent"]


def test_a_client_that_leaves_mid_stream_finds_the_reply_stored_afterwards(
    serve_with: Any,
) -> None:
    client = serve_with(SlowAssistant(pieces=10, delay_s=0.05))
    with client.stream(
        "POST", "/api/chat", json={"message": "then I leave"}, headers=bearer("alice") | STREAM
    ) as response:
        first_block = next(response.iter_text())
    accepted = events_of(first_block.split("event: delta")[0])[0][1]
    conversation_id = accepted["conversation"]["id"]
    deadline = time.monotonic() + 10
    replies: list[Any] = []
    while not replies and time.monotonic() < deadline:
        page = client.get(
            f"/api/conversations/{conversation_id}/messages?after=1", headers=bearer("alice")
        ).json()
        replies = page["items"]
        time.sleep(0.05)
    assert [m["role"] for m in replies] == ["ai_assistant"]
    assert replies[0]["content"] == "".join(f"piece {n} " for n in range(10))
