"""Statements per request, counted by the adapter's own session (see capture.py).

A send to a conversation of a few and of many messages (with and without a
`client_message_id`), a list of conversations and two history pages.
"""

from dataclasses import dataclass
from uuid import UUID

import psycopg
from capture import InProcessParley, Recording
from seed import seed_agent, seed_conversations

MESSAGE = "How far is the moon?"
SEEDED_VERSION = 7000
"""The seeded conversations' version and their chat sessions' message count: values no other
column holds, so that pgbench_script.py can tell where each parameter of a send comes from."""
SEEDED_SESSION_MESSAGES = 3000


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    request: str
    recording: Recording


@dataclass(frozen=True, slots=True)
class CountSubjects:
    """Who and what the counted requests are about."""

    external_user_id: str
    agent_id: UUID
    small: UUID
    large: UUID
    large_size: int


def seed_subjects(url: str, small_size: int, large_size: int) -> CountSubjects:
    external_user_id = "bench-counts"
    with psycopg.connect(url) as connection:
        agent_id = seed_agent(connection, external_user_id)
        small, large = (
            seed_conversations(
                connection,
                agent_id,
                1,
                messages_each=size,
                version=SEEDED_VERSION,
                session_messages=SEEDED_SESSION_MESSAGES,
            )[0]
            for size in (small_size, large_size)
        )
    return CountSubjects(external_user_id, agent_id, small.id, large.id, large_size)


async def count_statements(
    parley: InProcessParley, token: str, subjects: CountSubjects, small_size: int
) -> list[Count]:
    """The recorded requests, the first being the plain send that pgbench replays.

    An agent's very first request also reads its `iso_agents` row, once per process: a list
    request first makes the counts those of every later request.
    """
    await parley.request("GET", "/api/conversations?limit=1", token)
    counts = []
    for key, size, conversation in (
        ("send", subjects.large_size, subjects.large),
        ("send-small", small_size, subjects.small),
    ):
        _, recording = await parley.request(
            "POST", "/api/chat", token, {"message": MESSAGE, "conversation_id": str(conversation)}
        )
        counts.append(Count(key, f"send to a conversation of {size:,} messages", recording))
    _, recording = await parley.request(
        "POST",
        "/api/chat",
        token,
        {"message": MESSAGE, "conversation_id": str(subjects.large), "client_message_id": "m-1"},
    )
    counts.append(Count("send-keyed", "send with a `client_message_id`", recording))
    _, recording = await parley.request("GET", "/api/conversations?limit=20", token)
    counts.append(Count("list", "list conversations (first page of 20)", recording))
    history = f"/api/conversations/{subjects.large}/messages?limit=50"
    _, recording = await parley.request("GET", history, token)
    counts.append(Count("history", "history page (newest 50)", recording))
    _, recording = await parley.request(
        "GET", f"{history}&before={subjects.large_size // 2}", token
    )
    counts.append(Count("history-deep", "history page (50 before the middle)", recording))
    return counts
