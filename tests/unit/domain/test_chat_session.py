from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import events
from domain.chat_session import ChatSession, ChatSessionStatus, session_for_activity
from domain.errors import ChatSessionEnded

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)
CONVERSATION_ID = UUID(int=1)
AGENT_ID = UUID(int=2)


def fresh_session() -> ChatSession:
    session = ChatSession.start(CONVERSATION_ID, AGENT_ID, NOW)
    session.events.clear()
    return session


def test_a_started_session_is_active_and_empty():
    session = ChatSession.start(CONVERSATION_ID, AGENT_ID, NOW)

    assert session.status is ChatSessionStatus.ACTIVE
    assert session.is_active
    assert (session.conversation_id, session.agent_id) == (CONVERSATION_ID, AGENT_ID)
    assert session.started_at == session.last_activity_at == NOW
    assert session.ended_at is None
    assert session.message_count == 0


def test_starting_a_session_records_it():
    session = ChatSession.start(CONVERSATION_ID, AGENT_ID, NOW)

    assert session.events == [events.ChatSessionStarted(NOW, session.id, CONVERSATION_ID, AGENT_ID)]


def test_touching_counts_a_message_and_moves_the_last_activity():
    session = fresh_session()
    later = NOW + timedelta(minutes=2)

    session.touch(later)

    assert session.message_count == 1
    assert session.last_activity_at == later
    assert session.started_at == NOW


def test_touching_can_count_several_messages_at_once():
    session = fresh_session()

    session.touch(NOW, messages=2)

    assert session.message_count == 2


def test_a_late_touch_never_moves_the_last_activity_back():
    session = fresh_session()
    session.touch(NOW + timedelta(minutes=5))

    session.touch(NOW + timedelta(minutes=1))

    assert session.last_activity_at == NOW + timedelta(minutes=5)
    assert session.message_count == 2


def test_ending_a_session_marks_it_ended_and_records_it():
    session = fresh_session()
    later = NOW + timedelta(minutes=10)

    session.end(later)

    assert session.status is ChatSessionStatus.ENDED
    assert not session.is_active
    assert session.ended_at == later
    assert session.events == [events.ChatSessionEnded(later, session.id, CONVERSATION_ID, AGENT_ID)]


def test_ending_an_ended_session_changes_nothing():
    session = fresh_session()
    session.end(NOW)

    session.end(NOW + timedelta(hours=1))

    assert session.ended_at == NOW
    assert session.status is ChatSessionStatus.ENDED
    assert len(session.events) == 1


def test_an_ended_session_cannot_be_touched():
    session = fresh_session()
    session.end(NOW)

    with pytest.raises(ChatSessionEnded):
        session.touch(NOW + timedelta(minutes=1))

    assert session.message_count == 0
    assert session.last_activity_at == NOW


def test_a_session_is_idle_only_after_more_than_the_limit():
    session = fresh_session()

    assert not session.is_idle(NOW + IDLE, IDLE)
    assert session.is_idle(NOW + IDLE + timedelta(seconds=1), IDLE)


def test_activity_without_a_session_starts_one():
    session = session_for_activity(None, CONVERSATION_ID, AGENT_ID, NOW, IDLE)

    assert session.is_active
    assert (session.conversation_id, session.agent_id, session.started_at) == (
        CONVERSATION_ID,
        AGENT_ID,
        NOW,
    )


def test_activity_within_the_limit_keeps_the_current_session():
    current = fresh_session()

    session = session_for_activity(current, CONVERSATION_ID, AGENT_ID, NOW + IDLE, IDLE)

    assert session is current
    assert current.is_active
    assert current.events == []


def test_activity_after_the_limit_ends_the_idle_session_and_starts_another():
    current = fresh_session()
    later = NOW + IDLE + timedelta(minutes=1)

    session = session_for_activity(current, CONVERSATION_ID, AGENT_ID, later, IDLE)

    assert session is not current
    assert session.id != current.id
    assert session.is_active
    assert session.started_at == later
    assert current.status is ChatSessionStatus.ENDED
    assert current.ended_at == later
    assert current.events == [events.ChatSessionEnded(later, current.id, CONVERSATION_ID, AGENT_ID)]


def test_activity_after_an_ended_session_starts_another():
    current = fresh_session()
    current.end(NOW)

    session = session_for_activity(current, CONVERSATION_ID, AGENT_ID, NOW, IDLE)

    assert session is not current
    assert session.is_active
    assert current.ended_at == NOW
    assert len(current.events) == 1


def test_the_idle_limit_is_the_configured_one():
    current = fresh_session()
    later = NOW + timedelta(minutes=6)

    kept = session_for_activity(current, CONVERSATION_ID, AGENT_ID, later, timedelta(minutes=10))
    replaced = session_for_activity(current, CONVERSATION_ID, AGENT_ID, later, timedelta(minutes=5))

    assert kept is current
    assert replaced is not current


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=20))
def test_the_message_count_is_the_sum_of_the_touches(counts: list[int]):
    session = ChatSession.start(uuid4(), uuid4(), NOW)

    for minute, count in enumerate(counts):
        session.touch(NOW + timedelta(minutes=minute), messages=count)

    assert session.message_count == sum(counts)


@given(st.lists(st.integers(min_value=0, max_value=600), max_size=20))
def test_the_last_activity_is_the_latest_touch(offsets: list[int]):
    session = ChatSession.start(uuid4(), uuid4(), NOW)

    for offset in offsets:
        session.touch(NOW + timedelta(seconds=offset))

    assert session.last_activity_at == NOW + timedelta(seconds=max(offsets, default=0))
