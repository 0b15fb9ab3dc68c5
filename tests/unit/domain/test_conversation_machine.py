import copy
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.conversation import Conversation
from domain.errors import (
    AlreadyParticipant,
    AssistantIsPermanent,
    CannotInvite,
    ConversationArchived,
    DomainError,
    InvalidContent,
    InvalidTitle,
    LastActiveAgent,
    NotAParticipant,
    UnknownParticipant,
)
from domain.message import Message
from domain.participant import Participant
from domain.roles import Role
from domain.text import MAX_TITLE_CHARS

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LIMIT = 20
OWNER = UUID(int=1)
AGENTS = [OWNER, UUID(int=2), UUID(int=3), UUID(int=4)]
UNKNOWN_PARTICIPANT = UUID(int=99)

agents = st.sampled_from(AGENTS)
actors = st.one_of(st.just(OWNER), agents)
contents = st.one_of(
    st.text(max_size=LIMIT + 5),
    st.sampled_from(["", "  \n\t", "hi\x00", "x" * (LIMIT + 1), "hello"]),
)
titles = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", "a\x00b", "t" * (MAX_TITLE_CHARS + 1)]),
)
T = TypeVar("T")

picks = st.integers(min_value=-1, max_value=9)


def may_be_posted(content: str, max_chars: int) -> bool:
    return (
        "\x00" not in content
        and any(not ch.isspace() for ch in content)
        and len(content) <= max_chars
    )


def may_name_a_conversation(title: str | None) -> bool:
    return title is None or ("\x00" not in title and 1 <= len(title) <= MAX_TITLE_CHARS)


def state_of(conversation: Conversation) -> dict[str, object]:
    return {
        f.name: copy.deepcopy(getattr(conversation, f.name))
        for f in fields(conversation)
        if f.name != "events"
    }


class ConversationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.conversation = Conversation.start(OWNER, self.now)
        self.posted: list[Message] = []
        self.highest_version = self.conversation.version

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def acting(self, agent_id: UUID) -> Participant | None:
        return self.conversation.active_participant(agent_id)

    def attempt(self, refusal: type[DomainError] | None, operation: Callable[[], T]) -> T | None:
        """Run `operation`; when `refusal` is expected, check it came and changed nothing."""
        before = state_of(self.conversation)
        recorded = len(self.conversation.events)
        if refusal is None:
            result = operation()
            assert self.conversation.version == before["version"] + 1
            return result
        with pytest.raises(refusal):
            operation()
        assert state_of(self.conversation) == before
        assert len(self.conversation.events) == recorded
        return None

    @rule(agent_id=actors, content=contents)
    def post_by_agent(self, agent_id: UUID, content: str) -> None:
        refusal: type[DomainError] | None = None
        if not may_be_posted(content, LIMIT):
            refusal = InvalidContent
        elif self.acting(agent_id) is None:
            refusal = NotAParticipant
        elif self.conversation.is_archived:
            refusal = ConversationArchived
        at = self.tick()
        message = self.attempt(
            refusal,
            lambda: self.conversation.post_by_agent(agent_id, content, at, max_chars=LIMIT),
        )
        if message is not None:
            assert message.sequence == len(self.posted) + 1
            assert message.sender_agent_id == agent_id
            assert self.conversation.last_message_at == at
            self.posted.append(message)

    @rule(content=contents)
    def post_reply(self, content: str) -> None:
        refusal: type[DomainError] | None = None
        if not may_be_posted(content, 100_000):
            refusal = InvalidContent
        elif self.conversation.is_archived:
            refusal = ConversationArchived
        reply_to = self.posted[-1].id if self.posted else UNKNOWN_PARTICIPANT
        at = self.tick()
        message = self.attempt(
            refusal, lambda: self.conversation.post_reply(content, at, reply_to=reply_to)
        )
        if message is not None:
            assert message.sequence == len(self.posted) + 1
            assert message.role is Role.AI_ASSISTANT
            self.posted.append(message)

    @rule(inviter=actors, invitee=agents)
    def add_operator(self, inviter: UUID, invitee: UUID) -> None:
        acting = self.acting(inviter)
        refusal: type[DomainError] | None = None
        if acting is None:
            refusal = NotAParticipant
        elif not acting.can_invite:
            refusal = CannotInvite
        elif self.acting(invitee) is not None:
            refusal = AlreadyParticipant
        at = self.tick()
        operator = self.attempt(
            refusal, lambda: self.conversation.add_operator(inviter, invitee, at)
        )
        if operator is not None:
            assert operator.role is Role.OPERATOR
            assert self.acting(invitee) == operator

    @rule(by=actors, pick=picks)
    def deactivate(self, by: UUID, pick: int) -> None:
        participants = self.conversation.participants
        target_id = UNKNOWN_PARTICIPANT if pick < 0 else participants[pick % len(participants)].id
        chosen = next((p for p in participants if p.id == target_id), None)
        acting = self.acting(by)
        active_agents = sum(1 for p in participants if p.is_active_agent)
        refusal: type[DomainError] | None = None
        if acting is None:
            refusal = NotAParticipant
        elif chosen is None or not chosen.is_active:
            refusal = UnknownParticipant
        elif chosen.is_assistant:
            refusal = AssistantIsPermanent
        elif chosen.id != acting.id and not acting.can_invite:
            refusal = CannotInvite
        elif chosen.is_active_agent and active_agents == 1:
            refusal = LastActiveAgent
        at = self.tick()
        self.attempt(refusal, lambda: self.conversation.deactivate(target_id, by, at))
        if refusal is None:
            assert not any(p.is_active for p in self.conversation.participants if p.id == target_id)

    @rule(title=titles)
    def rename(self, title: str | None) -> None:
        refusal = None if may_name_a_conversation(title) else InvalidTitle
        at = self.tick()
        self.attempt(refusal, lambda: self.conversation.rename(title, at))
        if refusal is None:
            assert self.conversation.title == title

    @precondition(lambda self: not self.conversation.is_archived)
    @rule()
    def archive(self) -> None:
        at = self.tick()
        self.attempt(None, lambda: self.conversation.archive(at))
        assert self.conversation.is_archived

    @precondition(lambda self: self.conversation.is_archived)
    @rule()
    def unarchive(self) -> None:
        at = self.tick()
        self.attempt(None, lambda: self.conversation.unarchive(at))
        assert not self.conversation.is_archived

    @rule()
    def archive_or_unarchive_again_changes_nothing(self) -> None:
        conversation = self.conversation
        again = conversation.archive if conversation.is_archived else conversation.unarchive
        before = state_of(self.conversation)

        again(self.tick())

        assert state_of(self.conversation) == before

    @invariant()
    def there_is_an_active_agent(self) -> None:
        assert any(p.is_active_agent for p in self.conversation.participants)

    @invariant()
    def there_is_exactly_one_active_assistant(self) -> None:
        assistants = [p for p in self.conversation.participants if p.role is Role.AI_ASSISTANT]
        assert len(assistants) == 1
        assert assistants[0].is_active
        assert assistants[0].agent_id is None

    @invariant()
    def each_agent_takes_part_at_most_once(self) -> None:
        agent_ids = [p.agent_id for p in self.conversation.participants if p.agent_id]
        assert len(agent_ids) == len(set(agent_ids))

    @invariant()
    def sequences_have_no_gap_and_no_repeat(self) -> None:
        n = len(self.posted)
        assert [m.sequence for m in self.posted] == list(range(1, n + 1))
        assert self.conversation.last_sequence == self.conversation.message_count == n

    @invariant()
    def the_version_never_goes_back(self) -> None:
        assert self.conversation.version >= self.highest_version
        self.highest_version = self.conversation.version


ConversationMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
TestConversationMachine = ConversationMachine.TestCase
