"""Seeding with COPY: agents, and conversations with their members, chat session and messages.

The rows are those Parley itself would have stored: the owner and the AI as participants (with
the conversation's activity copied onto them), one active chat session per conversation, and
messages alternating between the agent and the AI, each reply pointing at the message it
answers. A conversation and its participants go in one transaction, as the schema's deferred
member check requires.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import psycopg

TITLE = "bench"


@dataclass(frozen=True, slots=True)
class SeededConversation:
    id: UUID
    agent_id: UUID
    chat_session_id: UUID
    messages: int


def seed_agent(connection: psycopg.Connection, external_user_id: str) -> UUID:
    agent_id = uuid4()
    connection.execute(
        "INSERT INTO iso_agents (id, external_user_id, created_at) VALUES (%s, %s, now())",
        (agent_id, external_user_id),
    )
    connection.commit()
    return agent_id


def seed_conversations(
    connection: psycopg.Connection,
    agent_id: UUID,
    count: int,
    *,
    messages_each: int = 0,
    version: int = 1,
    session_messages: int = 0,
    ids: Sequence[UUID] | None = None,
) -> list[SeededConversation]:
    """`count` conversations of `agent_id`, created a minute apart, the newest last.

    `version` and `session_messages` set the conversation's version and its chat session's
    message count, so that a recorded send can tell those values apart from the others.
    """
    now = datetime.now(UTC)
    seeded = [
        SeededConversation(ids[i] if ids else uuid4(), agent_id, uuid4(), messages_each)
        for i in range(count)
    ]
    created = [now - timedelta(minutes=count - i) for i in range(count)]
    last_message = [_message_time(at, messages_each) if messages_each else None for at in created]
    with connection.cursor() as cursor:
        _copy(
            cursor,
            "conversations (id, title, status, created_at, updated_at, last_message_at,"
            " last_sequence, version)",
            (
                (c.id, TITLE, "active", at, last or at, last, c.messages, version)
                for c, at, last in zip(seeded, created, last_message, strict=True)
            ),
        )
        _copy(
            cursor,
            "conversation_participants (conversation_id, id, position, role, agent_id,"
            " is_active, can_reply, can_invite, notifications_enabled, joined_at,"
            " last_activity_at, conversation_status)",
            _participants(seeded, created, last_message),
        )
        _copy(
            cursor,
            "chat_sessions (conversation_id, id, agent_id, status, started_at,"
            " last_activity_at, ended_at, message_count)",
            (
                (c.id, c.chat_session_id, agent_id, "active", at, now, None, session_messages)
                for c, at in zip(seeded, created, strict=True)
            ),
        )
        for conversation, at in zip(seeded, created, strict=True):
            _copy(
                cursor,
                "messages (conversation_id, id, sequence, role, sender_agent_id, content,"
                " reply_to, created_at, model, finish_reason)",
                _messages(conversation, at),
            )
    connection.commit()
    return seeded


def _participants(
    seeded: Sequence[SeededConversation],
    created: Sequence[datetime],
    last_message: Sequence[datetime | None],
) -> Iterator[tuple[object, ...]]:
    for c, at, last in zip(seeded, created, last_message, strict=True):
        activity = last or at
        yield (
            c.id,
            uuid4(),
            0,
            "iso_agent",
            c.agent_id,
            True,
            True,
            True,
            True,
            at,
            activity,
            "active",
        )
        yield (
            c.id,
            uuid4(),
            1,
            "ai_assistant",
            None,
            True,
            True,
            False,
            False,
            at,
            activity,
            "active",
        )


def _messages(conversation: SeededConversation, created: datetime) -> Iterator[tuple[object, ...]]:
    asked: UUID | None = None
    for sequence in range(1, conversation.messages + 1):
        at = _message_time(created, sequence)
        message_id = uuid4()
        if sequence % 2:
            text = f"message {sequence} of a seeded conversation"
            sender, reply_to, model, finish = conversation.agent_id, None, None, None
            role, asked = "iso_agent", message_id
        else:
            text = f"Echo: message {sequence - 1} of a seeded conversation"
            sender, reply_to, model, finish = None, asked, "echo", "stop"
            role = "ai_assistant"
        yield (
            conversation.id,
            message_id,
            sequence,
            role,
            sender,
            text,
            reply_to,
            at,
            model,
            finish,
        )


def _message_time(created: datetime, sequence: int) -> datetime:
    return created + timedelta(milliseconds=sequence)


def _copy(cursor: psycopg.Cursor, target: str, rows: Iterable[tuple[object, ...]]) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
