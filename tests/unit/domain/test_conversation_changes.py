from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from domain import events
from domain.conversation import Conversation, ConversationStatus
from domain.errors import InvalidTitle

StateOf = Callable[[Conversation], dict[str, object]]


def test_renaming_sets_the_title_and_moves_updated_at_and_version(
    conversation: Conversation, now: datetime
):
    later = now + timedelta(minutes=5)

    conversation.rename("Holidays", later)

    assert conversation.title == "Holidays"
    assert conversation.updated_at == later
    assert conversation.version == 2
    assert conversation.events == [events.ConversationRenamed(later, conversation.id, "Holidays")]


def test_renaming_to_none_clears_the_title(owner_id: UUID, now: datetime):
    conversation = Conversation.start(owner_id, now, title="Old")

    conversation.rename(None, now)

    assert conversation.title is None
    assert conversation.events[-1] == events.ConversationRenamed(now, conversation.id, None)


def test_renaming_does_not_move_the_last_activity(conversation: Conversation, now: datetime):
    conversation.rename("New", now + timedelta(hours=1))

    assert conversation.last_activity_at == now


@pytest.mark.parametrize("title", ["", "x" * 201, "a\x00b"])
def test_an_invalid_title_is_refused_and_changes_nothing(
    conversation: Conversation, now: datetime, state_of: StateOf, title: str
):
    before = state_of(conversation)

    with pytest.raises(InvalidTitle):
        conversation.rename(title, now)

    assert state_of(conversation) == before
    assert conversation.events == []


def test_archiving_marks_the_conversation_archived_and_records_it(
    conversation: Conversation, now: datetime
):
    conversation.archive(now)

    assert conversation.status is ConversationStatus.ARCHIVED
    assert conversation.is_archived
    assert conversation.version == 2
    assert conversation.events == [events.ConversationArchived(now, conversation.id)]


def test_archiving_an_archived_conversation_changes_nothing(
    conversation: Conversation, now: datetime, state_of: StateOf
):
    conversation.archive(now)
    before = state_of(conversation)

    conversation.archive(now + timedelta(minutes=1))

    assert state_of(conversation) == before
    assert len(conversation.events) == 1


def test_unarchiving_makes_the_conversation_active_again_and_records_it(
    conversation: Conversation, now: datetime
):
    conversation.archive(now)
    later = now + timedelta(minutes=1)

    conversation.unarchive(later)

    assert conversation.status is ConversationStatus.ACTIVE
    assert conversation.version == 3
    assert conversation.updated_at == later
    assert conversation.events[-1] == events.ConversationUnarchived(later, conversation.id)


def test_unarchiving_an_active_conversation_changes_nothing(
    conversation: Conversation, now: datetime, state_of: StateOf
):
    before = state_of(conversation)

    conversation.unarchive(now)

    assert state_of(conversation) == before
    assert conversation.events == []


def test_an_archived_conversation_can_still_be_renamed(conversation: Conversation, now: datetime):
    conversation.archive(now)

    conversation.rename("Kept", now)

    assert conversation.title == "Kept"
    assert conversation.is_archived


def test_archiving_keeps_both_participants(conversation: Conversation, now: datetime):
    participants = conversation.participants

    conversation.archive(now)
    conversation.unarchive(now)

    assert conversation.participants == participants
