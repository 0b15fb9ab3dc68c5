"""A short load on the real `parley serve` process over loopback: several users sending at once,
with retries racing their first request, while one more user goes over its request rate.

What is checked is what a load can break, not how fast it goes: no answer is a 5xx, every
acknowledged message is stored once with exactly one reply, sequences stay gapless, the busy
user is told when to retry (429 `rate_limited` with `Retry-After`) while the others are all
served, and the server logs no unhandled error.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.conftest import DEV_SECRET, bearer
from e2e.helpers import assert_problem
from server_process import Server, servers, start_server

USERS = 4
SENDS_PER_USER = 25
RETRIED_EVERY = 5
"""Every fifth send goes out twice at once, with the same `client_message_id`."""
IN_FLIGHT = 8
RATE_PER_MINUTE = 60
"""Above what a sending user asks for (about 35 requests), below what the busy one does."""
BUSY_REQUESTS = 90


@pytest.fixture
def server(clean_database: str, data_dir: Path, tmp_path: Path) -> Iterator[Server]:
    """`parley serve` on the test database, stopped gracefully before the database is emptied."""
    with servers(data_dir) as started:
        server = start_server(
            data_dir,
            tmp_path,
            started,
            PARLEY_DATABASE_URL=clean_database,
            PARLEY_DEV_SECRET=DEV_SECRET,
            PARLEY_RATE_LIMIT_PER_MINUTE=str(RATE_PER_MINUTE),
        )
        yield server
        assert server.terminate() == 0, server.log_text()


@dataclass
class Load:
    """The client side of the load: one connection pool, at most `IN_FLIGHT` requests at once."""

    http: httpx.AsyncClient
    gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(IN_FLIGHT))
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    """User → how many answers of each status it got."""

    async def request(self, user: str, method: str, path: str, **options: Any) -> httpx.Response:
        async with self.gate:
            response = await self.http.request(method, path, headers=bearer(user), **options)
        self.statuses.setdefault(user, Counter())[response.status_code] += 1
        assert response.status_code < 500, response.text
        return response


@dataclass
class Acknowledged:
    """What one sending user was told was stored."""

    conversation_id: str
    user_messages: dict[str, str] = field(default_factory=dict)
    """User message id → content."""
    replies: dict[str, str] = field(default_factory=dict)
    """Assistant message id → content."""


async def send_all(load: Load, user: str) -> Acknowledged:
    started = await load.request(user, "POST", "/api/chat/init", json={"title": user})
    assert started.status_code == 201, started.text
    acknowledged = Acknowledged(started.json()["conversation"]["id"])

    async def send(n: int) -> None:
        body = {
            "message": f"{user} says {n}",
            "conversation_id": acknowledged.conversation_id,
            "client_message_id": f"{user}-{n}",
        }
        copies = 2 if n % RETRIED_EVERY == 0 else 1
        answers = await asyncio.gather(
            *(load.request(user, "POST", "/api/chat", json=body) for _ in range(copies))
        )
        turns = [a.json() for a in answers if a.status_code in {200, 201}]
        for answer in answers:
            if answer.status_code == 409:
                problem = assert_problem(answer, 409, "idempotency_in_progress")
                assert int(answer.headers["Retry-After"]) >= 1, problem
        assert [a.status_code for a in answers].count(201) == 1, [a.text for a in answers]
        assert len({t["user_message"]["id"] for t in turns}) == 1
        assert len({t["assistant_message"]["id"] for t in turns}) == 1
        turn = turns[0]
        acknowledged.user_messages[turn["user_message"]["id"]] = turn["user_message"]["content"]
        reply = turn["assistant_message"]
        acknowledged.replies[reply["id"]] = reply["content"]

    await asyncio.gather(*(send(n) for n in range(SENDS_PER_USER)))
    return acknowledged


async def go_over_the_rate(load: Load, user: str) -> list[httpx.Response]:
    return list(
        await asyncio.gather(
            *(load.request(user, "GET", "/api/conversations") for _ in range(BUSY_REQUESTS))
        )
    )


async def stored(load: Load, user: str, acknowledged: Acknowledged) -> None:
    """The user's one conversation holds each acknowledged message once, each with one reply."""
    listed = await load.request(user, "GET", "/api/conversations", params={"status": "all"})
    assert [c["id"] for c in listed.json()["items"]] == [acknowledged.conversation_id]
    path = f"/api/conversations/{acknowledged.conversation_id}/messages"
    page = (await load.request(user, "GET", path, params={"limit": 200})).json()
    messages = page["items"]
    assert page["has_more"] is False
    assert [m["sequence"] for m in messages] == list(range(1, 2 * SENDS_PER_USER + 1))
    questions = {m["id"]: m for m in messages if m["role"] == "iso_agent"}
    answers = {m["id"]: m for m in messages if m["role"] == "ai_assistant"}
    assert {i: m["content"] for i, m in questions.items()} == acknowledged.user_messages
    assert {i: m["content"] for i, m in answers.items()} == acknowledged.replies
    reply_at = Counter(m["content"].removeprefix("Echo: ") for m in answers.values())
    for question in questions.values():
        assert reply_at[question["content"]] == 1, f"not one reply to {question['content']!r}"
        answer = next(m for m in answers.values() if m["content"] == f"Echo: {question['content']}")
        assert answer["sequence"] > question["sequence"]
    assert len(messages) == len(questions) + len(answers)


async def test_users_sending_at_once_lose_nothing_while_a_busy_one_is_slowed_down(
    server: Server,
) -> None:
    senders = [f"load-{n}" for n in range(USERS)]
    limits = httpx.Limits(max_connections=IN_FLIGHT)
    async with httpx.AsyncClient(
        base_url=server.url, timeout=10.0, trust_env=False, limits=limits
    ) as http:
        load = Load(http)
        *acknowledged, busy = await asyncio.gather(
            *(send_all(load, user) for user in senders), go_over_the_rate(load, "load-busy")
        )
        for user, theirs in zip(senders, acknowledged, strict=True):
            await stored(load, user, theirs)

    refused = [r for r in busy if r.status_code == 429]
    assert refused, "the busy user was never slowed down"
    assert set(load.statuses["load-busy"]) == {200, 429}
    for response in refused:
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) >= 1
    for user in senders:
        # 409: a retry that raced its first request was told to come back (checked above).
        assert set(load.statuses[user]) <= {200, 201, 409}, load.statuses[user]
    events = server.log_events()
    assert "unhandled_error" not in events
    assert "request_failed" not in events
