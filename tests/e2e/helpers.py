"""What the end-to-end tests share: the wire shapes of API.md, problem details, small real
assistants, and clients over a container whose assistant a test chose."""

import asyncio
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import psycopg
from dependency_injector import providers
from litestar.testing import TestClient

from application.ports.assistant import AssistantFailed, AssistantReply, PieceSink
from domain.message import Message
from e2e.conftest import bearer
from entrypoints.asgi import build_app
from entrypoints.container import Container
from entrypoints.settings import Settings

Json = dict[str, Any]
Client = TestClient[Any]

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}
PARTICIPANT_FIELDS = {
    "id",
    "role",
    "agent_id",
    "is_active",
    "can_reply",
    "can_invite",
    "notifications_enabled",
    "joined_at",
}
SESSION_FIELDS = {
    "id",
    "conversation_id",
    "agent_id",
    "status",
    "started_at",
    "last_activity_at",
    "ended_at",
    "message_count",
}
MESSAGE_FIELDS = {
    "id",
    "conversation_id",
    "sequence",
    "role",
    "sender_agent_id",
    "content",
    "client_message_id",
    "created_at",
}
CONVERSATION_FIELDS = {
    "id",
    "title",
    "status",
    "created_at",
    "updated_at",
    "last_message_at",
    "message_count",
    "participants",
    "active_chat_session",
}


# --- requests ---------------------------------------------------------------------------


def send(client: Client, user: str, message: str = "hello", **fields: object) -> httpx.Response:
    """`POST /api/chat` as `user`; `fields` go into the body beside `message`."""
    return client.post("/api/chat", json={"message": message, **fields}, headers=bearer(user))


def sent(client: Client, user: str, message: str = "hello", **fields: object) -> Json:
    """The body of a send that must succeed with 201."""
    response = send(client, user, message, **fields)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def started(client: Client, user: str, **body: object) -> Json:
    """The body of `POST /api/chat/init` as `user`, which must succeed with 201."""
    response = client.post("/api/chat/init", json=body, headers=bearer(user))
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


def messages_of(client: Client, user: str, conversation_id: str, **query: object) -> Json:
    response = client.get(
        f"/api/conversations/{conversation_id}/messages",
        params={name: str(value) for name, value in query.items()},
        headers=bearer(user),
    )
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


def conversation_of(client: Client, user: str, conversation_id: str) -> Json:
    response = client.get(f"/api/conversations/{conversation_id}", headers=bearer(user))
    assert response.status_code == 200, response.text
    conversation: Json = response.json()
    return conversation


def patched(client: Client, user: str, conversation_id: str, **body: object) -> Json:
    response = client.patch(
        f"/api/conversations/{conversation_id}", json=body, headers=bearer(user)
    )
    assert response.status_code == 200, response.text
    conversation: Json = response.json()
    return conversation


def archive(client: Client, user: str, conversation_id: str) -> Json:
    return patched(client, user, conversation_id, status="archived")


def listed_ids(client: Client, user: str, **query: object) -> list[str]:
    response = client.get(
        "/api/conversations",
        params={name: str(value) for name, value in query.items()},
        headers=bearer(user),
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# --- wire shapes ------------------------------------------------------------------------


def assert_time(value: object) -> None:
    assert isinstance(value, str), value
    assert RFC3339_UTC.match(value), f"{value!r} is not an RFC 3339 time in UTC ending in Z"
    datetime.fromisoformat(value)


def assert_uuid(value: object) -> None:
    assert isinstance(value, str), value
    assert str(UUID(value)) == value, f"{value!r} is not a UUID in canonical form"


def assert_participant(participant: Json) -> None:
    assert set(participant) == PARTICIPANT_FIELDS
    assert_uuid(participant["id"])
    assert participant["role"] in {"iso_agent", "ai_assistant", "operator"}
    if participant["role"] == "ai_assistant":
        assert participant["agent_id"] is None
    else:
        assert_uuid(participant["agent_id"])
    for flag in ("is_active", "can_reply", "can_invite", "notifications_enabled"):
        assert isinstance(participant[flag], bool)
    assert_time(participant["joined_at"])


def assert_chat_session(session: Json) -> None:
    assert set(session) == SESSION_FIELDS
    assert_uuid(session["id"])
    assert_uuid(session["conversation_id"])
    assert_uuid(session["agent_id"])
    assert session["status"] in {"active", "ended"}
    assert_time(session["started_at"])
    assert_time(session["last_activity_at"])
    if session["status"] == "ended":
        assert_time(session["ended_at"])
    else:
        assert session["ended_at"] is None
    assert isinstance(session["message_count"], int)
    assert session["message_count"] >= 0


def assert_message(message: Json) -> None:
    assert set(message) == MESSAGE_FIELDS
    assert_uuid(message["id"])
    assert_uuid(message["conversation_id"])
    assert isinstance(message["sequence"], int)
    assert message["sequence"] >= 1
    assert message["role"] in {"iso_agent", "ai_assistant", "operator"}
    if message["role"] == "ai_assistant":
        assert message["sender_agent_id"] is None
    else:
        assert_uuid(message["sender_agent_id"])
    assert isinstance(message["content"], str)
    assert message["content"].strip()
    assert message["client_message_id"] is None or isinstance(message["client_message_id"], str)
    assert_time(message["created_at"])


def assert_conversation(conversation: Json) -> None:
    """The shape of a Conversation, with its members: one active agent and one AI."""
    assert set(conversation) == CONVERSATION_FIELDS
    assert_uuid(conversation["id"])
    assert conversation["title"] is None or isinstance(conversation["title"], str)
    assert conversation["status"] in {"active", "archived"}
    assert_time(conversation["created_at"])
    assert_time(conversation["updated_at"])
    if conversation["last_message_at"] is not None:
        assert_time(conversation["last_message_at"])
    assert isinstance(conversation["message_count"], int)
    for participant in conversation["participants"]:
        assert_participant(participant)
    roles = [p["role"] for p in conversation["participants"]]
    assert roles.count("ai_assistant") == 1
    assert any(p["role"] == "iso_agent" and p["is_active"] for p in conversation["participants"])
    session = conversation["active_chat_session"]
    if session is not None:
        assert_chat_session(session)
        assert session["conversation_id"] == conversation["id"]


def agent_id_in(conversation: Json) -> str:
    """The agent id of the (only) iso_agent participant of a fresh conversation."""
    agents = [p["agent_id"] for p in conversation["participants"] if p["role"] == "iso_agent"]
    assert len(agents) == 1
    agent: str = agents[0]
    return agent


def assert_problem(response: httpx.Response, status: int, code: str) -> Json:
    """An RFC 9457 problem of `status` and `code`, with nothing of the server's insides."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: Json = response.json()
    assert set(body) >= PROBLEM_FIELDS, body
    assert body["status"] == status
    assert body["code"] == code
    for text_field in ("type", "title", "detail"):
        assert isinstance(body[text_field], str)
        assert body[text_field]
    for leak in ("Traceback", "psycopg", "SELECT ", "INSERT ", 'File "'):
        assert leak not in response.text
    return body


# --- the database, behind the service's back --------------------------------------------


def execute(database_url: str, statement: str, params: Sequence[object] = ()) -> int:
    """Run one SQL statement in its own committed transaction; the rows it touched."""
    with psycopg.connect(database_url) as connection:
        cursor = connection.execute(statement, params)
        return cursor.rowcount


def forbid_replies(database_url: str, conversation_id: str) -> None:
    """Take `can_reply` away from the conversation's agents."""
    touched = execute(
        database_url,
        "UPDATE conversation_participants SET can_reply = false"
        " WHERE conversation_id = %s AND role = 'iso_agent'",
        (conversation_id,),
    )
    assert touched == 1


# --- assistants: small real implementations of the Assistant port -----------------------


def answer_to(history: Sequence[Message]) -> str:
    return f"Re: {history[-1].content}"


async def pieced(reply: AssistantReply, on_piece: PieceSink) -> AssistantReply:
    """`reply`, handed on as a stream of one piece."""
    await on_piece(reply.content)
    return reply


class CountingAssistant:
    """Answers "Re: <latest message>" and counts the questions it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.calls += 1
        await asyncio.sleep(0)
        return AssistantReply(answer_to(history))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        return await pieced(await self.reply(history), on_piece)


class FlakyAssistant:
    """Fails its first `failures` questions, then answers like `CountingAssistant`."""

    def __init__(self, failures: int = 1_000_000) -> None:
        self.failures = failures
        self.calls = 0

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.calls += 1
        if self.calls <= self.failures:
            raise AssistantFailed("the assistant is down")
        return AssistantReply(answer_to(history))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        return await pieced(await self.reply(history), on_piece)


class SlowAssistant:
    """Takes `seconds` to answer: longer than a short assistant timeout."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        await asyncio.sleep(self.seconds)
        return AssistantReply(answer_to(history))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        return await pieced(await self.reply(history), on_piece)


class BlockingAssistant:
    """Holds its first question until the test calls `release()`; answers later ones at once.

    Built on threading events, since the test waits in its own thread while the app runs in
    the test client's event loop.
    """

    def __init__(self, hold_at_most_s: float = 20.0) -> None:
        self.asked = threading.Event()
        self._released = threading.Event()
        self._hold_at_most_s = hold_at_most_s
        self.calls = 0

    def release(self) -> None:
        self._released.set()

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.calls += 1
        if self.calls == 1:
            self.asked.set()
            await asyncio.to_thread(self._released.wait, self._hold_at_most_s)
        return AssistantReply(answer_to(history))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        return await pieced(await self.reply(history), on_piece)


@contextmanager
def client_over(settings: Settings, assistant: object, **changes: Any) -> Iterator[Client]:
    """A client over a fresh container with `assistant` in place of the configured one."""
    container = Container(settings=replace(settings, **changes))
    container.assistant.override(providers.Object(assistant))
    with TestClient(build_app(container)) as client:
        yield client
