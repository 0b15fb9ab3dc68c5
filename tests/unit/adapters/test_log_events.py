"""Committed domain events become one structured log line each."""

from datetime import UTC, datetime
from uuid import uuid4

from structlog.testing import capture_logs

from adapters.log_events import LoggingPublisher, event_name
from domain.conversation import Conversation
from domain.roles import Role

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_each_event_is_logged_under_its_snake_case_name() -> None:
    conversation = Conversation.start(uuid4(), NOW)
    with capture_logs() as lines:
        await LoggingPublisher().publish(conversation.events)
    assert [line["event"] for line in lines] == [
        "conversation_started",
        "participant_joined",
        "participant_joined",
    ]
    assert all(line["conversation_id"] == str(conversation.id) for line in lines)


async def test_absent_values_are_left_out_and_others_are_plain() -> None:
    conversation = Conversation.start(uuid4(), NOW)
    with capture_logs() as lines:
        await LoggingPublisher().publish(conversation.events)
    ai_joined = lines[2]
    assert "agent_id" not in ai_joined
    assert ai_joined["role"] == Role.AI_ASSISTANT.value
    assert ai_joined["occurred_at"] == NOW.isoformat()


def test_a_name_is_the_class_name_in_snake_case() -> None:
    conversation = Conversation.start(uuid4(), NOW)
    assert event_name(conversation.events[0]) == "conversation_started"
