from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain import events
from domain.conversation import Conversation
from domain.errors import (
    AlreadyParticipant,
    AssistantIsPermanent,
    CannotInvite,
    LastActiveAgent,
    NotAParticipant,
    UnknownParticipant,
)
from domain.roles import Role

StateOf = Callable[[Conversation], dict[str, object]]


@pytest.fixture
def with_operator(conversation: Conversation, owner_id: UUID, operator_id: UUID, now: datetime):
    conversation.add_operator(owner_id, operator_id, now)
    conversation.events.clear()
    return conversation


def test_the_owner_adds_an_operator_who_may_reply_but_not_invite(
    conversation: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    operator = conversation.add_operator(owner_id, operator_id, now)

    assert operator.role is Role.OPERATOR
    assert operator.agent_id == operator_id
    assert operator.conversation_id == conversation.id
    assert (operator.is_active, operator.can_reply, operator.can_invite) == (True, True, False)
    assert operator.joined_at == now
    assert conversation.active_participant(operator_id) == operator
    assert conversation.is_visible_to(operator_id)


def test_adding_an_operator_moves_the_version_and_records_the_join(
    conversation: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    later = now + timedelta(minutes=1)

    operator = conversation.add_operator(owner_id, operator_id, later)

    assert conversation.version == 2
    assert conversation.updated_at == later
    assert conversation.events == [
        events.ParticipantJoined(later, conversation.id, operator.id, Role.OPERATOR, operator_id)
    ]


def test_an_operator_cannot_invite_another_operator(
    with_operator: Conversation,
    operator_id: UUID,
    stranger_id: UUID,
    now: datetime,
    state_of: StateOf,
):
    before = state_of(with_operator)

    with pytest.raises(CannotInvite):
        with_operator.add_operator(operator_id, stranger_id, now)

    assert state_of(with_operator) == before
    assert with_operator.events == []


def test_a_stranger_cannot_invite_anyone(
    conversation: Conversation,
    stranger_id: UUID,
    operator_id: UUID,
    now: datetime,
    state_of: StateOf,
):
    before = state_of(conversation)

    with pytest.raises(NotAParticipant):
        conversation.add_operator(stranger_id, operator_id, now)

    assert state_of(conversation) == before


def test_an_active_participant_cannot_be_added_again(
    with_operator: Conversation,
    owner_id: UUID,
    operator_id: UUID,
    now: datetime,
    state_of: StateOf,
):
    before = state_of(with_operator)

    with pytest.raises(AlreadyParticipant):
        with_operator.add_operator(owner_id, operator_id, now)
    with pytest.raises(AlreadyParticipant):
        with_operator.add_operator(owner_id, owner_id, now)

    assert state_of(with_operator) == before


def test_a_former_operator_comes_back_as_the_same_participant(
    with_operator: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    former = with_operator.active_participant(operator_id)
    assert former is not None
    with_operator.deactivate(former.id, operator_id, now)
    later = now + timedelta(hours=1)

    back = with_operator.add_operator(owner_id, operator_id, later)

    assert back.id == former.id
    assert (back.is_active, back.can_reply, back.joined_at) == (True, True, later)
    assert len(with_operator.participants) == 3
    assert with_operator.events[-1] == events.ParticipantJoined(
        later, with_operator.id, former.id, Role.OPERATOR, operator_id
    )


def test_an_operator_may_leave_on_their_own(
    with_operator: Conversation, operator_id: UUID, now: datetime
):
    operator = with_operator.active_participant(operator_id)
    assert operator is not None

    with_operator.deactivate(operator.id, operator_id, now)

    assert with_operator.active_participant(operator_id) is None
    assert not with_operator.is_visible_to(operator_id)
    assert with_operator.version == 3
    assert with_operator.events == [
        events.ParticipantDeactivated(now, with_operator.id, operator.id)
    ]


def test_the_owner_may_take_an_operator_out(
    with_operator: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    operator = with_operator.active_participant(operator_id)
    assert operator is not None

    with_operator.deactivate(operator.id, owner_id, now)

    deactivated = next(p for p in with_operator.participants if p.id == operator.id)
    assert not deactivated.is_active


def test_an_operator_cannot_take_the_owner_out(
    with_operator: Conversation,
    owner_id: UUID,
    operator_id: UUID,
    now: datetime,
    state_of: StateOf,
):
    owner = with_operator.active_participant(owner_id)
    assert owner is not None
    before = state_of(with_operator)

    with pytest.raises(CannotInvite):
        with_operator.deactivate(owner.id, operator_id, now)

    assert state_of(with_operator) == before


def test_the_last_active_agent_cannot_leave(
    with_operator: Conversation, owner_id: UUID, now: datetime, state_of: StateOf
):
    owner = with_operator.active_participant(owner_id)
    assert owner is not None
    before = state_of(with_operator)

    with pytest.raises(LastActiveAgent):
        with_operator.deactivate(owner.id, owner_id, now)

    assert state_of(with_operator) == before
    assert with_operator.events == []


@pytest.mark.parametrize("acting", ["owner", "operator"])
def test_nobody_can_take_the_assistant_out(
    with_operator: Conversation,
    owner_id: UUID,
    operator_id: UUID,
    now: datetime,
    state_of: StateOf,
    acting: str,
):
    by = owner_id if acting == "owner" else operator_id
    before = state_of(with_operator)

    with pytest.raises(AssistantIsPermanent):
        with_operator.deactivate(with_operator.assistant.id, by, now)

    assert state_of(with_operator) == before


def test_deactivating_an_unknown_participant_is_refused(
    conversation: Conversation, owner_id: UUID, now: datetime, state_of: StateOf
):
    before = state_of(conversation)

    with pytest.raises(UnknownParticipant):
        conversation.deactivate(uuid4(), owner_id, now)

    assert state_of(conversation) == before


def test_deactivating_a_participant_twice_is_refused(
    with_operator: Conversation, owner_id: UUID, operator_id: UUID, now: datetime
):
    operator = with_operator.active_participant(operator_id)
    assert operator is not None
    with_operator.deactivate(operator.id, owner_id, now)

    with pytest.raises(UnknownParticipant):
        with_operator.deactivate(operator.id, owner_id, now)


def test_a_stranger_cannot_deactivate_anyone(
    with_operator: Conversation, operator_id: UUID, stranger_id: UUID, now: datetime
):
    operator = with_operator.active_participant(operator_id)
    assert operator is not None

    with pytest.raises(NotAParticipant):
        with_operator.deactivate(operator.id, stranger_id, now)


def test_a_former_participant_can_no_longer_act(
    with_operator: Conversation, operator_id: UUID, stranger_id: UUID, now: datetime
):
    operator = with_operator.active_participant(operator_id)
    assert operator is not None
    with_operator.deactivate(operator.id, operator_id, now)

    with pytest.raises(NotAParticipant):
        with_operator.deactivate(operator.id, operator_id, now)
