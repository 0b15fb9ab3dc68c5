"""The schema on its own: raw SQL that goes around the application still cannot break a rule."""

from collections.abc import Iterator
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import errors

from integration.builders import T0, at

Db = psycopg.Connection[tuple[Any, ...]]


class Stored(NamedTuple):
    conversation_id: UUID
    agent_id: UUID


@pytest.fixture
def db(clean_database: str) -> Iterator[Db]:
    """One connection; whatever a test leaves uncommitted is rolled back."""
    with psycopg.connect(clean_database) as connection:
        yield connection
        connection.rollback()


def insert_agent(db: Db) -> UUID:
    agent_id = uuid4()
    db.execute(
        "INSERT INTO iso_agents (id, external_user_id, email, name, created_at)"
        " VALUES (%s, %s, NULL, NULL, %s)",
        (agent_id, f"user_{agent_id.hex}", T0),
    )
    return agent_id


def insert_conversation(
    db: Db,
    *,
    title: str | None = None,
    status: str = "active",
    last_sequence: int = 0,
    last_message_at: Any = None,
) -> UUID:
    conversation_id = uuid4()
    db.execute(
        "INSERT INTO conversations (id, title, status, created_at, updated_at, last_message_at,"
        " last_sequence, version) VALUES (%s, %s, %s, %s, %s, %s, %s, 1)",
        (conversation_id, title, status, T0, T0, last_message_at, last_sequence),
    )
    return conversation_id


def insert_participant(
    db: Db, conversation_id: UUID, *, role: str, agent_id: UUID | None, position: int
) -> UUID:
    participant_id = uuid4()
    db.execute(
        "INSERT INTO conversation_participants (conversation_id, id, position, role, agent_id,"
        " is_active, can_reply, can_invite, notifications_enabled, joined_at, last_activity_at,"
        " conversation_status) VALUES (%s, %s, %s, %s, %s, true, true, true, true, %s, %s,"
        " 'active')",
        (conversation_id, participant_id, position, role, agent_id, T0, T0),
    )
    return participant_id


def insert_members(db: Db, conversation_id: UUID, agent_id: UUID) -> None:
    insert_participant(db, conversation_id, role="iso_agent", agent_id=agent_id, position=0)
    insert_participant(db, conversation_id, role="ai_assistant", agent_id=None, position=1)


def insert_message(
    db: Db,
    conversation_id: UUID,
    *,
    sequence: int,
    sender_agent_id: UUID | None,
    role: str = "iso_agent",
    content: str = "Hello",
    client_message_id: str | None = None,
    reply_to: UUID | None = None,
) -> UUID:
    message_id = uuid4()
    db.execute(
        "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id, content,"
        " client_message_id, reply_to, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            conversation_id,
            message_id,
            sequence,
            role,
            sender_agent_id,
            content,
            client_message_id,
            reply_to,
            at(sequence),
        ),
    )
    return message_id


def insert_session(
    db: Db, conversation_id: UUID, agent_id: UUID, *, status: str = "active", ended_at: Any = None
) -> UUID:
    session_id = uuid4()
    db.execute(
        "INSERT INTO chat_sessions (conversation_id, id, agent_id, status, started_at,"
        " last_activity_at, ended_at, message_count) VALUES (%s, %s, %s, %s, %s, %s, %s, 0)",
        (conversation_id, session_id, agent_id, status, T0, T0, ended_at),
    )
    return session_id


def stored_conversation(db: Db) -> Stored:
    """A committed agent and a valid conversation of theirs, with its iso_agent and AI."""
    agent_id = insert_agent(db)
    conversation_id = insert_conversation(db)
    insert_members(db, conversation_id, agent_id)
    db.commit()
    return Stored(conversation_id, agent_id)


def count(db: Db, query: str, *params: Any) -> int:
    row = db.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


# Foreign keys


def test_a_participant_of_an_unknown_conversation_is_refused(db: Db) -> None:
    agent_id = insert_agent(db)
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        insert_participant(db, uuid4(), role="iso_agent", agent_id=agent_id, position=0)
    assert caught.value.diag.constraint_name == "conversation_participants_conversation_id_fkey"


def test_a_message_in_an_unknown_conversation_is_refused(db: Db) -> None:
    agent_id = insert_agent(db)
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        insert_message(db, uuid4(), sequence=1, sender_agent_id=agent_id)
    assert caught.value.diag.constraint_name == "messages_conversation_id_fkey"


def test_a_chat_session_in_an_unknown_conversation_is_refused(db: Db) -> None:
    agent_id = insert_agent(db)
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        insert_session(db, uuid4(), agent_id)
    assert caught.value.diag.constraint_name == "chat_sessions_conversation_id_fkey"


def test_a_participant_for_an_unknown_agent_is_refused(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        insert_participant(
            db, stored.conversation_id, role="operator", agent_id=uuid4(), position=2
        )
    assert caught.value.diag.constraint_name == "conversation_participants_agent_id_fkey"


def test_a_message_from_an_unknown_agent_is_refused(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        insert_message(db, stored.conversation_id, sequence=1, sender_agent_id=uuid4())
    assert caught.value.diag.constraint_name == "messages_sender_agent_id_fkey"


def test_a_chat_session_for_an_unknown_agent_is_refused(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        insert_session(db, stored.conversation_id, uuid4())
    assert caught.value.diag.constraint_name == "chat_sessions_agent_id_fkey"


# Unique constraints and partial unique indexes


def test_two_messages_cannot_share_a_sequence_in_one_conversation(db: Db) -> None:
    stored = stored_conversation(db)
    insert_message(db, stored.conversation_id, sequence=1, sender_agent_id=stored.agent_id)
    with pytest.raises(errors.UniqueViolation) as caught:
        insert_message(db, stored.conversation_id, sequence=1, sender_agent_id=stored.agent_id)
    assert caught.value.diag.constraint_name == "messages_pkey"


def test_a_conversation_cannot_have_a_second_ai_assistant(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.UniqueViolation) as caught:
        insert_participant(
            db, stored.conversation_id, role="ai_assistant", agent_id=None, position=2
        )
    assert caught.value.diag.constraint_name == "conversation_participants_one_ai"


def test_an_agent_cannot_have_two_active_sessions_in_one_conversation(db: Db) -> None:
    stored = stored_conversation(db)
    insert_session(db, stored.conversation_id, stored.agent_id)
    with pytest.raises(errors.UniqueViolation) as caught:
        insert_session(db, stored.conversation_id, stored.agent_id)
    assert caught.value.diag.constraint_name == "chat_sessions_one_active"


def test_ended_sessions_may_sit_beside_the_active_one(db: Db) -> None:
    stored = stored_conversation(db)
    insert_session(db, stored.conversation_id, stored.agent_id, status="ended", ended_at=at(60))
    insert_session(db, stored.conversation_id, stored.agent_id, status="ended", ended_at=at(90))
    insert_session(db, stored.conversation_id, stored.agent_id)
    db.commit()
    assert count(db, "SELECT count(*) FROM chat_sessions") == 3


def test_a_message_cannot_get_two_replies(db: Db) -> None:
    stored = stored_conversation(db)
    question = insert_message(
        db, stored.conversation_id, sequence=1, sender_agent_id=stored.agent_id
    )
    insert_message(
        db,
        stored.conversation_id,
        sequence=2,
        sender_agent_id=None,
        role="ai_assistant",
        reply_to=question,
    )
    with pytest.raises(errors.UniqueViolation) as caught:
        insert_message(
            db,
            stored.conversation_id,
            sequence=3,
            sender_agent_id=None,
            role="ai_assistant",
            reply_to=question,
        )
    assert caught.value.diag.constraint_name == "messages_one_reply"


# CHECK constraints


def test_a_participant_with_an_unknown_role_is_refused(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_participant(
            db, stored.conversation_id, role="admin", agent_id=insert_agent(db), position=2
        )
    assert caught.value.diag.constraint_name == "conversation_participants_role_check"


def test_a_message_with_an_unknown_role_is_refused(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_message(
            db, stored.conversation_id, sequence=1, sender_agent_id=stored.agent_id, role="system"
        )
    assert caught.value.diag.constraint_name == "messages_role_check"


def test_a_conversation_with_an_unknown_status_is_refused(db: Db) -> None:
    with pytest.raises(errors.CheckViolation) as caught:
        insert_conversation(db, status="deleted")
    assert caught.value.diag.constraint_name == "conversations_status_check"


def test_a_chat_session_with_an_unknown_status_is_refused(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_session(db, stored.conversation_id, stored.agent_id, status="paused")
    assert caught.value.diag.constraint_name == "chat_sessions_status_check"


@pytest.mark.parametrize(
    ("status", "ended_at"),
    [("ended", None), ("active", at(60))],
    ids=["ended without ended_at", "active with ended_at"],
)
def test_a_session_has_an_end_time_exactly_when_it_has_ended(
    db: Db, status: str, ended_at: Any
) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_session(
            db, stored.conversation_id, stored.agent_id, status=status, ended_at=ended_at
        )
    assert caught.value.diag.constraint_name == "chat_sessions_check"


@pytest.mark.parametrize(
    "content",
    ["", " \t\r\n ", "\u00a0\u3000\u2028", "x" * 100_001],
    ids=["empty", "whitespace only", "unicode spaces only", "longer than 100000 characters"],
)
def test_message_content_must_be_visible_and_at_most_100000_characters(
    db: Db, content: str
) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_message(
            db, stored.conversation_id, sequence=1, sender_agent_id=stored.agent_id, content=content
        )
    assert caught.value.diag.constraint_name == "messages_content_check"


def test_message_content_of_exactly_100000_characters_is_stored(db: Db) -> None:
    stored = stored_conversation(db)
    insert_message(
        db,
        stored.conversation_id,
        sequence=1,
        sender_agent_id=stored.agent_id,
        content="é" * 100_000,
    )
    db.commit()
    assert count(db, "SELECT char_length(content) FROM messages") == 100_000


@pytest.mark.parametrize("title", ["", "t" * 201], ids=["empty", "longer than 200 characters"])
def test_a_title_is_absent_or_1_to_200_characters(db: Db, title: str) -> None:
    with pytest.raises(errors.CheckViolation) as caught:
        insert_conversation(db, title=title)
    assert caught.value.diag.constraint_name == "conversations_title_check"


@pytest.mark.parametrize(
    "client_message_id",
    ["has space", "slash/in/it", "ünicode", "", "k" * 65],
    ids=["space", "slash", "non-ascii", "empty", "longer than 64 characters"],
)
def test_a_client_message_id_is_1_to_64_safe_characters(db: Db, client_message_id: str) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_message(
            db,
            stored.conversation_id,
            sequence=1,
            sender_agent_id=stored.agent_id,
            client_message_id=client_message_id,
        )
    assert caught.value.diag.constraint_name == "messages_client_message_id_check"


def test_an_ai_participant_cannot_have_an_agent(db: Db) -> None:
    agent_id = insert_agent(db)
    conversation_id = insert_conversation(db)
    insert_participant(db, conversation_id, role="iso_agent", agent_id=agent_id, position=0)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_participant(
            db, conversation_id, role="ai_assistant", agent_id=insert_agent(db), position=1
        )
    assert caught.value.diag.constraint_name == "conversation_participants_check"


@pytest.mark.parametrize("role", ["iso_agent", "operator"])
def test_a_human_participant_must_have_an_agent(db: Db, role: str) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        insert_participant(db, stored.conversation_id, role=role, agent_id=None, position=2)
    assert caught.value.diag.constraint_name == "conversation_participants_check"


@pytest.mark.parametrize(
    ("role", "has_sender"),
    [("ai_assistant", True), ("iso_agent", False)],
    ids=["ai message with a sender", "agent message without one"],
)
def test_a_message_has_a_sender_agent_exactly_when_a_human_wrote_it(
    db: Db, role: str, has_sender: bool
) -> None:
    stored = stored_conversation(db)
    sender = stored.agent_id if has_sender else None
    with pytest.raises(errors.CheckViolation) as caught:
        insert_message(db, stored.conversation_id, sequence=1, sender_agent_id=sender, role=role)
    assert caught.value.diag.constraint_name == "messages_check"


@pytest.mark.parametrize(
    ("last_sequence", "last_message_at"),
    [(0, T0), (3, None)],
    ids=["no messages but a last message time", "messages but no last message time"],
)
def test_a_conversation_has_a_last_message_time_exactly_when_it_has_messages(
    db: Db, last_sequence: int, last_message_at: Any
) -> None:
    with pytest.raises(errors.CheckViolation) as caught:
        insert_conversation(db, last_sequence=last_sequence, last_message_at=last_message_at)
    assert caught.value.diag.constraint_name == "conversations_check"


# The deferred constraint trigger: checked at COMMIT


def test_a_conversation_without_participants_fails_at_commit(db: Db) -> None:
    conversation_id = insert_conversation(db)
    with pytest.raises(errors.CheckViolation) as caught:
        db.commit()
    assert caught.value.diag.constraint_name == "conversation_has_active_agent"
    assert count(db, "SELECT count(*) FROM conversations WHERE id = %s", conversation_id) == 0


def test_a_conversation_without_an_ai_assistant_fails_at_commit(db: Db) -> None:
    agent_id = insert_agent(db)
    conversation_id = insert_conversation(db)
    insert_participant(db, conversation_id, role="iso_agent", agent_id=agent_id, position=0)
    with pytest.raises(errors.CheckViolation) as caught:
        db.commit()
    assert caught.value.diag.constraint_name == "conversation_has_ai"
    assert count(db, "SELECT count(*) FROM conversations") == 0


def test_a_conversation_with_an_active_agent_and_an_ai_assistant_commits(db: Db) -> None:
    stored = stored_conversation(db)
    assert (
        count(db, "SELECT count(*) FROM conversations WHERE id = %s", stored.conversation_id) == 1
    )


def test_deactivating_the_last_active_agent_fails_at_commit(db: Db) -> None:
    stored = stored_conversation(db)
    db.execute(
        "UPDATE conversation_participants SET is_active = false"
        " WHERE conversation_id = %s AND agent_id = %s",
        (stored.conversation_id, stored.agent_id),
    )
    with pytest.raises(errors.CheckViolation) as caught:
        db.commit()
    assert caught.value.diag.constraint_name == "conversation_has_active_agent"
    active = "SELECT count(*) FROM conversation_participants WHERE agent_id = %s AND is_active"
    assert count(db, active, stored.agent_id) == 1


def test_deactivating_an_agent_while_another_stays_active_commits(db: Db) -> None:
    stored = stored_conversation(db)
    insert_participant(
        db, stored.conversation_id, role="iso_agent", agent_id=insert_agent(db), position=2
    )
    db.execute(
        "UPDATE conversation_participants SET is_active = false"
        " WHERE conversation_id = %s AND agent_id = %s",
        (stored.conversation_id, stored.agent_id),
    )
    db.commit()
    active = "SELECT count(*) FROM conversation_participants WHERE agent_id = %s AND is_active"
    assert count(db, active, stored.agent_id) == 0


def test_removing_the_ai_assistant_fails_at_commit(db: Db) -> None:
    stored = stored_conversation(db)
    db.execute(
        "DELETE FROM conversation_participants"
        " WHERE conversation_id = %s AND role = 'ai_assistant'",
        (stored.conversation_id,),
    )
    with pytest.raises(errors.CheckViolation) as caught:
        db.commit()
    assert caught.value.diag.constraint_name == "conversation_has_ai"
    ai = "SELECT count(*) FROM conversation_participants WHERE role = 'ai_assistant'"
    assert count(db, ai) == 1


def test_the_membership_check_waits_for_commit_so_participants_may_come_later(db: Db) -> None:
    agent_id = insert_agent(db)
    conversation_id = insert_conversation(db)
    insert_session(db, conversation_id, agent_id)
    insert_message(db, conversation_id, sequence=1, sender_agent_id=agent_id)
    insert_members(db, conversation_id, agent_id)
    db.commit()
    assert count(db, "SELECT count(*) FROM conversations WHERE id = %s", conversation_id) == 1


def test_moving_the_only_agent_to_another_conversation_fails_at_commit(db: Db) -> None:
    left = stored_conversation(db)
    other = stored_conversation(db)
    db.execute(
        "UPDATE conversation_participants SET conversation_id = %s, position = 9"
        " WHERE conversation_id = %s AND role = 'iso_agent'",
        (other.conversation_id, left.conversation_id),
    )
    with pytest.raises(errors.CheckViolation) as caught:
        db.commit()
    assert caught.value.diag.constraint_name == "conversation_has_active_agent"


# U+0000


def test_the_database_refuses_a_nul_character_in_text(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(errors.CharacterNotInRepertoire):
        db.execute(
            "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id, content,"
            " created_at) VALUES (%s, %s, 1, 'iso_agent', %s, %b, %s)",
            (stored.conversation_id, uuid4(), stored.agent_id, "a\x00b", T0),
        )


def test_psycopg_refuses_a_nul_character_before_it_reaches_the_database(db: Db) -> None:
    stored = stored_conversation(db)
    with pytest.raises(psycopg.DataError) as caught:
        insert_message(
            db,
            stored.conversation_id,
            sequence=1,
            sender_agent_id=stored.agent_id,
            content="a\x00b",
        )
    assert caught.value.sqlstate is None
    assert count(db, "SELECT count(*) FROM messages") == 0
