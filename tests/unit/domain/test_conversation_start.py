from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain import events
from domain.conversation import Conversation, ConversationStatus
from domain.errors import InvalidTitle
from domain.roles import Role

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_a_new_conversation_has_its_starter_as_an_active_agent_who_may_reply_and_invite():
    agent_id = uuid4()

    conversation = Conversation.start(agent_id, NOW)

    owner = conversation.active_participant(agent_id)
    assert owner is not None
    assert owner.role is Role.ISO_AGENT
    assert (owner.is_active, owner.can_reply, owner.can_invite) == (True, True, True)
    assert owner.notifications_enabled
    assert owner.joined_at == NOW


def test_a_new_conversation_has_exactly_one_active_ai_assistant_without_an_agent():
    conversation = Conversation.start(uuid4(), NOW)

    assistants = [p for p in conversation.participants if p.role is Role.AI_ASSISTANT]
    assert len(assistants) == 1
    assistant = assistants[0]
    assert assistant is conversation.assistant
    assert assistant.agent_id is None
    assert (assistant.is_active, assistant.can_reply, assistant.can_invite) == (True, True, False)
    assert not assistant.notifications_enabled


def test_a_new_conversation_has_only_its_starter_and_the_assistant():
    agent_id = uuid4()

    conversation = Conversation.start(agent_id, NOW)

    assert [(p.role, p.agent_id) for p in conversation.participants] == [
        (Role.ISO_AGENT, agent_id),
        (Role.AI_ASSISTANT, None),
    ]
    assert all(p.conversation_id == conversation.id for p in conversation.participants)
    assert len({p.id for p in conversation.participants}) == 2


def test_a_new_conversation_is_active_empty_and_at_version_one():
    conversation = Conversation.start(uuid4(), NOW)

    assert conversation.status is ConversationStatus.ACTIVE
    assert not conversation.is_archived
    assert conversation.version == 1
    assert conversation.last_sequence == 0
    assert conversation.message_count == 0
    assert conversation.last_message_at is None
    assert conversation.created_at == conversation.updated_at == NOW
    assert conversation.last_activity_at == NOW


def test_a_conversation_starts_untitled_unless_given_a_title():
    assert Conversation.start(uuid4(), NOW).title is None
    assert Conversation.start(uuid4(), NOW, title="Taxes").title == "Taxes"


@pytest.mark.parametrize("title", ["", "x" * 201, "nul\x00here"])
def test_a_conversation_cannot_start_with_an_invalid_title(title: str):
    with pytest.raises(InvalidTitle):
        Conversation.start(uuid4(), NOW, title=title)


def test_every_started_conversation_gets_its_own_id():
    agent_id = uuid4()

    assert Conversation.start(agent_id, NOW).id != Conversation.start(agent_id, NOW).id


def test_starting_records_the_start_and_both_participants_joining():
    agent_id = uuid4()

    conversation = Conversation.start(agent_id, NOW)

    owner, assistant = conversation.participants
    assert conversation.events == [
        events.ConversationStarted(NOW, conversation.id, agent_id),
        events.ParticipantJoined(NOW, conversation.id, owner.id, Role.ISO_AGENT, agent_id),
        events.ParticipantJoined(NOW, conversation.id, assistant.id, Role.AI_ASSISTANT, None),
    ]


def test_a_new_conversation_is_visible_to_its_starter_only():
    agent_id = uuid4()

    conversation = Conversation.start(agent_id, NOW)

    assert conversation.is_visible_to(agent_id)
    assert not conversation.is_visible_to(uuid4())
