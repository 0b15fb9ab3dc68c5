"""The service with `PARLEY_ASSISTANT=openai`, against a loopback server speaking the protocol."""

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from litestar.testing import TestClient

from e2e.conftest import bearer
from entrypoints.asgi import build_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from unit.assistant.fake_openai import FakeOpenAI, Refusal, Reply, running_fake_openai

STREAM = {"Accept": "text/event-stream"}
ALICE = bearer("alice")


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as server:
        yield server


@pytest.fixture
def openai_settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return replace(
        settings,
        assistant="openai",
        openai_base_url=fake_openai.base_url,
        openai_model="fake-model-1",
        assistant_retries=0,
        assistant_timeout_s=10,
    )


@pytest.fixture
def client(openai_settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(build_app(Container(settings=openai_settings))) as test_client:
        yield test_client


def deltas_and_reply(body: str) -> tuple[str, dict[str, Any]]:
    joined, reply = "", {}
    for block in body.replace("\r\n", "\n").strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields["event"] == "delta":
            joined += json.loads(fields["data"])["text"]
        if fields["event"] == "assistant_message":
            reply = json.loads(fields["data"])
    return joined, reply


def test_a_streamed_reply_is_stored_equal_to_its_deltas_with_its_generation(
    client: TestClient[Any], fake_openai: FakeOpenAI, clean_database: str
) -> None:
    fake_openai.plan(Reply(content="Streams arrive in several small pieces."))
    response = client.post("/api/chat", json={"message": "stream it"}, headers=ALICE | STREAM)
    joined, reply = deltas_and_reply(response.text)
    assert joined == "Streams arrive in several small pieces."
    assert reply["content"] == joined
    assert fake_openai.calls[0].body["stream"] is True
    assert fake_openai.calls[0].body["messages"][-1] == {"role": "user", "content": "stream it"}
    with psycopg.connect(clean_database) as connection:
        stored = connection.execute(
            "SELECT content, model, prompt_tokens, completion_tokens, finish_reason, latency_ms"
            " FROM messages WHERE id = %s",
            (reply["id"],),
        ).fetchone()
    assert stored is not None
    assert stored[:5] == (joined, "fake-model-1", 21, 7, "stop")
    assert stored[5] is not None
    assert stored[5] >= 0


def test_a_failed_reply_is_completed_by_asking_again(
    client: TestClient[Any], fake_openai: FakeOpenAI
) -> None:
    fake_openai.plan(Refusal(500), Reply(content="Second time lucky."))
    failed = client.post("/api/chat", json={"message": "are you there?"}, headers=ALICE)
    assert failed.status_code == 502
    problem = failed.json()
    assert problem["code"] == "assistant_unavailable"
    again = client.post(f"/api/conversations/{problem['conversation_id']}/reply", headers=ALICE)
    assert again.status_code == 201
    assert again.json()["assistant_message"]["content"] == "Second time lucky."


def test_a_retry_with_the_same_key_completes_a_failed_send_without_a_second_message(
    client: TestClient[Any], fake_openai: FakeOpenAI
) -> None:
    fake_openai.plan(Refusal(503), Reply(content="Here now."))
    body = {"message": "hello?", "client_message_id": "retry-after-502"}
    failed = client.post("/api/chat", json=body, headers=ALICE)
    assert failed.status_code == 502
    retried = client.post("/api/chat", json=body, headers=ALICE)
    assert retried.status_code == 201
    turn = retried.json()
    assert turn["user_message"]["id"] == failed.json()["user_message"]["id"]
    assert turn["assistant_message"]["content"] == "Here now."
    conversation_id = turn["conversation"]["id"]
    page = client.get(f"/api/conversations/{conversation_id}/messages", headers=ALICE).json()
    assert [m["role"] for m in page["items"]] == ["iso_agent", "ai_assistant"]


def test_concurrent_retries_ask_the_assistant_once(
    client: TestClient[Any], fake_openai: FakeOpenAI
) -> None:
    fake_openai.plan(Reply(content="Only once.", first_token_delay_s=0.5))
    body = {"message": "once only", "client_message_id": "many-at-once"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda _: client.post("/api/chat", json=body, headers=ALICE), range(6))
        )
    assert sorted(r.status_code for r in statuses).count(201) == 1
    assert {r.status_code for r in statuses} <= {201, 200, 409}
    assert all(
        r.json()["code"] == "idempotency_in_progress" and "retry-after" in r.headers
        for r in statuses
        if r.status_code == 409
    )
    assert fake_openai.call_count == 1


@pytest.fixture
def live_server(openai_settings: Settings) -> Iterator[str]:
    """The app behind a real uvicorn server on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(Container(settings=openai_settings)),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_until(lambda: server.started, timeout_s=20)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def _wait_until(condition: Callable[[], object], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)


def test_a_client_that_disconnects_mid_stream_finds_the_whole_reply_afterwards(
    live_server: str, fake_openai: FakeOpenAI
) -> None:
    pieces = tuple(f"part{n} " for n in range(12))
    fake_openai.plan(Reply(pieces=pieces, chunk_delay_s=0.1))
    with httpx.Client(base_url=live_server, timeout=10) as http:
        with http.stream(
            "POST", "/api/chat", json={"message": "long answer please"}, headers=ALICE | STREAM
        ) as response:
            received = ""
            for text in response.iter_text():
                received += text
                if "event: delta" in received:
                    break
        accepted = json.loads(received.split("data: ", 1)[1].split("\n", 1)[0])
        conversation_id = accepted["conversation"]["id"]
        stored: list[Any] = []

        def reply_stored() -> bool:
            page = http.get(
                f"/api/conversations/{conversation_id}/messages?after=1", headers=ALICE
            ).json()
            stored[:] = page["items"]
            return bool(stored)

        _wait_until(reply_stored, timeout_s=15)
    assert [m["content"] for m in stored] == ["".join(pieces)]
    assert fake_openai.call_count == 1
