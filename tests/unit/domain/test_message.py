import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.message import Message
from domain.roles import Role

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def a_message(role: Role) -> Message:
    return Message(uuid4(), uuid4(), 1, role, None, "text", NOW)


def test_a_message_has_no_client_id_and_answers_nothing_unless_told():
    message = a_message(Role.ISO_AGENT)

    assert message.client_message_id is None
    assert message.reply_to is None


def test_a_message_cannot_be_changed_once_made():
    message = a_message(Role.ISO_AGENT)

    with pytest.raises(dataclasses.FrozenInstanceError):
        message.content = "edited"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("role", "from_assistant"),
    [(Role.AI_ASSISTANT, True), (Role.ISO_AGENT, False), (Role.OPERATOR, False)],
)
def test_only_the_ai_assistants_messages_are_from_the_assistant(role: Role, from_assistant: bool):
    assert a_message(role).is_from_assistant is from_assistant
