from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain import events
from domain.conversation import Conversation
from domain.errors import CannotReply, ConversationArchived, InvalidContent, NotAParticipant
from domain.roles import Role
from domain.text import MAX_STORED_MESSAGE_CHARS

StateOf = Callable[[Conversation], dict[str, object]]
LIMIT = 16_000
INVALID_CONTENTS = ["", " ", "\n\t  \r", "hello\x00", "x" * (LIMIT + 1)]


@pytest.fixture
def muted(conversation: Conversation, owner_id: UUID, operator_id: UUID, now: datetime):
    """The conversation with an operator who may not reply."""
    operator = conversation.add_operator(owner_id, operator_id, now)
    conversation.participants = tuple(
        replace(p, can_reply=False) if p.id == operator.id else p for p in conversation.participants
    )
    conversation.events.clear()
    return conversation


def test_an_agents_message_carries_its_sender_content_and_order(
    conversation: Conversation, owner_id: UUID, now: datetime
):
    message = conversation.post_by_agent(
        owner_id, "Hello", now, max_chars=LIMIT, client_message_id="c-1"
    )

    assert message.conversation_id == conversation.id
    assert message.sequence == 1
    assert message.role is Role.ISO_AGENT
    assert message.sender_agent_id == owner_id
    assert message.content == "Hello"
    assert message.created_at == now
    assert message.client_message_id == "c-1"
    assert message.reply_to is None
    assert not message.is_from_assistant


def test_posting_moves_the_count_the_last_message_time_and_the_version(
    conversation: Conversation, owner_id: UUID, now: datetime
):
    later = now + timedelta(minutes=3)

    conversation.post_by_agent(owner_id, "Hello", later, max_chars=LIMIT)

    assert conversation.message_count == conversation.last_sequence == 1
    assert conversation.last_message_at == later
    assert conversation.last_activity_at == later
    assert conversation.updated_at == later
    assert conversation.version == 2


def test_posting_records_the_message(conversation: Conversation, owner_id: UUID, now: datetime):
    message = conversation.post_by_agent(owner_id, "Hello", now, max_chars=LIMIT)

    assert conversation.events == [
        events.MessagePosted(now, conversation.id, message.id, 1, Role.ISO_AGENT)
    ]


def test_the_assistants_reply_is_the_next_message_and_names_what_it_answers(
    conversation: Conversation, owner_id: UUID, now: datetime
):
    question = conversation.post_by_agent(owner_id, "Why?", now, max_chars=LIMIT)

    reply = conversation.post_reply("Because.", now, reply_to=question.id)

    assert reply.sequence == 2
    assert reply.role is Role.AI_ASSISTANT
    assert reply.sender_agent_id is None
    assert reply.reply_to == question.id
    assert reply.is_from_assistant
    assert conversation.events[-1] == events.MessagePosted(
        now, conversation.id, reply.id, 2, Role.AI_ASSISTANT
    )


def test_sequences_run_one_two_three_whoever_posts(
    conversation: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    conversation.add_operator(owner_id, operator_id, now)

    first = conversation.post_by_agent(owner_id, "a", now, max_chars=LIMIT)
    second = conversation.post_reply("b", now, reply_to=first.id)
    third = conversation.post_by_agent(operator_id, "c", now, max_chars=LIMIT)

    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert third.role is Role.OPERATOR
    assert len({first.id, second.id, third.id}) == 3


def test_a_stranger_cannot_post(
    conversation: Conversation, stranger_id: UUID, now: datetime, state_of: StateOf
):
    before = state_of(conversation)

    with pytest.raises(NotAParticipant):
        conversation.post_by_agent(stranger_id, "Hi", now, max_chars=LIMIT)

    assert state_of(conversation) == before
    assert conversation.events == []


def test_a_former_operator_cannot_post(
    conversation: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    operator = conversation.add_operator(owner_id, operator_id, now)
    conversation.deactivate(operator.id, owner_id, now)

    with pytest.raises(NotAParticipant):
        conversation.post_by_agent(operator_id, "Hi", now, max_chars=LIMIT)


def test_a_participant_who_may_not_reply_cannot_post(
    muted: Conversation, operator_id: UUID, now: datetime, state_of: StateOf
):
    before = state_of(muted)

    with pytest.raises(CannotReply):
        muted.post_by_agent(operator_id, "Hi", now, max_chars=LIMIT)

    assert state_of(muted) == before
    assert muted.events == []


def test_nobody_posts_to_an_archived_conversation(
    conversation: Conversation, owner_id: UUID, now: datetime, state_of: StateOf
):
    conversation.archive(now)
    before = state_of(conversation)

    with pytest.raises(ConversationArchived):
        conversation.post_by_agent(owner_id, "Hi", now, max_chars=LIMIT)
    with pytest.raises(ConversationArchived):
        conversation.post_reply("Hi", now, reply_to=uuid4())

    assert state_of(conversation) == before


def test_posting_goes_on_from_the_same_sequence_after_unarchiving(
    conversation: Conversation, owner_id: UUID, now: datetime
):
    conversation.post_by_agent(owner_id, "one", now, max_chars=LIMIT)
    conversation.archive(now)
    conversation.unarchive(now)

    message = conversation.post_by_agent(owner_id, "two", now, max_chars=LIMIT)

    assert message.sequence == 2


@pytest.mark.parametrize("content", INVALID_CONTENTS)
def test_invalid_content_is_refused_and_takes_no_sequence(
    conversation: Conversation, owner_id: UUID, now: datetime, state_of: StateOf, content: str
):
    before = state_of(conversation)

    with pytest.raises(InvalidContent):
        conversation.post_by_agent(owner_id, content, now, max_chars=LIMIT)

    assert state_of(conversation) == before
    assert conversation.post_by_agent(owner_id, "ok", now, max_chars=LIMIT).sequence == 1


def test_content_of_exactly_the_limit_is_accepted(
    conversation: Conversation, owner_id: UUID, now: datetime
):
    message = conversation.post_by_agent(owner_id, "x" * LIMIT, now, max_chars=LIMIT)

    assert len(message.content) == LIMIT


@pytest.mark.parametrize("content", ["", "  \n", "a\x00", "x" * (MAX_STORED_MESSAGE_CHARS + 1)])
def test_the_assistant_cannot_post_invalid_content(
    conversation: Conversation, now: datetime, content: str
):
    with pytest.raises(InvalidContent):
        conversation.post_reply(content, now, reply_to=uuid4())

    assert conversation.last_sequence == 0


def test_the_assistant_may_reply_beyond_an_agents_limit(conversation: Conversation, now: datetime):
    reply = conversation.post_reply("x" * (LIMIT + 1), now, reply_to=uuid4())

    assert reply.sequence == 1


def test_content_is_checked_before_membership(
    conversation: Conversation, stranger_id: UUID, now: datetime
):
    conversation.archive(now)

    with pytest.raises(InvalidContent):
        conversation.post_by_agent(stranger_id, " ", now, max_chars=LIMIT)


def test_membership_is_checked_before_the_archive(
    conversation: Conversation, stranger_id: UUID, now: datetime
):
    conversation.archive(now)

    with pytest.raises(NotAParticipant):
        conversation.post_by_agent(stranger_id, "Hi", now, max_chars=LIMIT)


def test_the_archive_is_checked_before_the_right_to_reply(
    muted: Conversation, operator_id: UUID, now: datetime
):
    muted.archive(now)

    with pytest.raises(ConversationArchived):
        muted.post_by_agent(operator_id, "Hi", now, max_chars=LIMIT)
