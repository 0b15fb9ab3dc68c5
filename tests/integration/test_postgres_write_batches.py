"""Writes to different tables sent as one statement: all of them happen, or none."""

from uuid import uuid4

import psycopg
import pytest
from psycopg.rows import dict_row

from adapters.postgres.session import Session
from application.errors import ConcurrentUpdate

INSERT_AGENT = "INSERT INTO iso_agents (id, external_user_id, created_at) VALUES (%s, %s, now())"
INSERT_CONVERSATION = (
    "INSERT INTO conversations (id, title, status, created_at, updated_at, last_sequence,"
    " version) VALUES (%s, 'T', 'active', now(), now(), 0, 1)"
)
INSERT_PARTICIPANT = (
    "INSERT INTO conversation_participants (conversation_id, id, position, role, agent_id,"
    " is_active, can_reply, can_invite, notifications_enabled, joined_at, last_activity_at,"
    " conversation_status) VALUES (%s, %s, %s, %s, %s, true, true, true, true, now(), now(),"
    " 'active')"
)
RENAME_AT_VERSION = "UPDATE conversations SET title = %s WHERE id = %s AND version = %s"


async def _stored_conversation(url: str) -> tuple[str, str]:
    """A conversation, written as one statement: it, its agent's row and both participants."""
    agent, conversation = uuid4(), uuid4()
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as connection:
        session = Session(connection)
        session.write(INSERT_AGENT, (agent, f"user-{agent}"))
        session.write(INSERT_CONVERSATION, (conversation,))
        session.write(INSERT_PARTICIPANT, (conversation, uuid4(), 0, "iso_agent", agent))
        session.write(INSERT_PARTICIPANT, (conversation, uuid4(), 1, "ai_assistant", None))
        await session.commit()
        assert session.statements == 1
    return str(agent), str(conversation)


async def test_rows_that_refer_to_each_other_are_written_in_one_statement(
    clean_database: str,
) -> None:
    _, conversation = await _stored_conversation(clean_database)
    with psycopg.connect(clean_database) as connection:
        participants = connection.execute(
            "SELECT count(*) FROM conversation_participants WHERE conversation_id = %s",
            (conversation,),
        ).fetchone()
    assert participants == (2,)


async def test_a_write_that_changes_fewer_rows_than_expected_undoes_its_companions(
    clean_database: str,
) -> None:
    agent, conversation = await _stored_conversation(clean_database)
    async with await psycopg.AsyncConnection.connect(
        clean_database, row_factory=dict_row
    ) as connection:
        session = Session(connection)
        session.write(RENAME_AT_VERSION, ("Renamed", conversation, 99), expect_rows=1)
        session.write(INSERT_AGENT, (uuid4(), "someone-else"))
        with pytest.raises(ConcurrentUpdate):
            await session.commit()
    with psycopg.connect(clean_database) as connection:
        agents = connection.execute("SELECT id::text FROM iso_agents").fetchall()
        title = connection.execute(
            "SELECT title FROM conversations WHERE id = %s", (conversation,)
        ).fetchone()
    assert agents == [(agent,)]
    assert title == ("T",)
