"""The Conversation aggregate: its participants and the order of its messages.

A conversation always has at least one active `iso_agent` participant and exactly one
`ai_assistant` participant, from the moment `Conversation.start` makes it. Messages are not
held here: `post_by_agent` and `post_reply` hand out the next gapless sequence and return
the new `Message` for the caller to store.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from domain import events
from domain.errors import (
    AlreadyParticipant,
    AssistantIsPermanent,
    CannotInvite,
    CannotReply,
    ConversationArchived,
    LastActiveAgent,
    NotAParticipant,
    UnknownParticipant,
)
from domain.events import DomainEvent
from domain.message import Generation, Message
from domain.participant import Participant
from domain.roles import Role
from domain.text import MAX_STORED_MESSAGE_CHARS, checked_content, checked_title


class ConversationStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


@dataclass(slots=True, eq=False)
class Conversation:
    id: UUID
    title: str | None
    status: ConversationStatus
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    last_sequence: int
    version: int
    participants: tuple[Participant, ...]
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def start(cls, agent_id: UUID, now: datetime, title: str | None = None) -> "Conversation":
        """Start a conversation owned by `agent_id`, with the AI beside it."""
        conversation_id = uuid4()
        owner = Participant.owner(conversation_id, agent_id, now)
        assistant = Participant.assistant(conversation_id, now)
        conversation = cls(
            id=conversation_id,
            title=checked_title(title),
            status=ConversationStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            last_message_at=None,
            last_sequence=0,
            version=1,
            participants=(owner, assistant),
        )
        conversation.events.append(events.ConversationStarted(now, conversation_id, agent_id))
        for participant in conversation.participants:
            conversation._record_joined(participant, now)
        return conversation

    @property
    def message_count(self) -> int:
        return self.last_sequence

    @property
    def is_archived(self) -> bool:
        return self.status is ConversationStatus.ARCHIVED

    @property
    def last_activity_at(self) -> datetime:
        """Its latest message, or its creation while it has none."""
        return self.last_message_at or self.created_at

    @property
    def assistant(self) -> Participant:
        return next(p for p in self.participants if p.is_assistant)

    def active_participant(self, agent_id: UUID) -> Participant | None:
        return next((p for p in self.participants if p.is_active and p.agent_id == agent_id), None)

    def is_visible_to(self, agent_id: UUID) -> bool:
        return self.active_participant(agent_id) is not None

    def rename(self, title: str | None, now: datetime) -> None:
        self.title = checked_title(title)
        self._changed(now)
        self.events.append(events.ConversationRenamed(now, self.id, self.title))

    def archive(self, now: datetime) -> None:
        if self.is_archived:
            return
        self.status = ConversationStatus.ARCHIVED
        self._changed(now)
        self.events.append(events.ConversationArchived(now, self.id))

    def unarchive(self, now: datetime) -> None:
        if not self.is_archived:
            return
        self.status = ConversationStatus.ACTIVE
        self._changed(now)
        self.events.append(events.ConversationUnarchived(now, self.id))

    def add_operator(self, invited_by: UUID, operator_agent_id: UUID, now: datetime) -> Participant:
        """Let an operator step in; only a participant with `can_invite` may ask."""
        if not self._acting(invited_by).can_invite:
            raise CannotInvite("this participant may not invite others")
        if self.active_participant(operator_agent_id) is not None:
            raise AlreadyParticipant("the agent already takes part in this conversation")
        former = next((p for p in self.participants if p.agent_id == operator_agent_id), None)
        if former is None:
            operator = Participant.operator(self.id, operator_agent_id, now)
            self.participants = (*self.participants, operator)
        else:
            operator = replace(
                former,
                role=Role.OPERATOR,
                is_active=True,
                can_reply=True,
                can_invite=False,
                joined_at=now,
            )
            self._replace(operator)
        self._changed(now)
        self._record_joined(operator, now)
        return operator

    def deactivate(self, participant_id: UUID, by_agent_id: UUID, now: datetime) -> None:
        """Take a participant out: oneself, or anyone when `by_agent_id` may invite."""
        acting = self._acting(by_agent_id)
        target = next((p for p in self.participants if p.id == participant_id), None)
        if target is None or not target.is_active:
            raise UnknownParticipant("no active participant has that id")
        if target.is_assistant:
            raise AssistantIsPermanent("the AI participant cannot be removed")
        if target.id != acting.id and not acting.can_invite:
            raise CannotInvite("this participant may not remove others")
        if target.is_active_agent and self._active_agent_count() == 1:
            raise LastActiveAgent("the last active agent cannot leave the conversation")
        self._replace(target.deactivated())
        self._changed(now)
        self.events.append(events.ParticipantDeactivated(now, self.id, target.id))

    def post_by_agent(
        self,
        agent_id: UUID,
        content: str,
        now: datetime,
        *,
        max_chars: int,
        client_message_id: str | None = None,
    ) -> Message:
        """Post an agent's or operator's message as the next in order."""
        content = checked_content(content, max_chars)
        sender = self._acting(agent_id)
        return self._post(sender, content, now, client_message_id=client_message_id)

    def post_reply(
        self,
        content: str,
        now: datetime,
        *,
        reply_to: UUID,
        generation: Generation | None = None,
    ) -> Message:
        """Post the assistant's answer to message `reply_to` as the next in order."""
        content = checked_content(content, MAX_STORED_MESSAGE_CHARS)
        message = self._post(self.assistant, content, now, reply_to=reply_to)
        return replace(message, generation=generation)

    def _post(
        self,
        sender: Participant,
        content: str,
        now: datetime,
        *,
        client_message_id: str | None = None,
        reply_to: UUID | None = None,
    ) -> Message:
        if self.is_archived:
            raise ConversationArchived("the conversation is archived")
        if not sender.can_reply:
            raise CannotReply("this participant may not reply")
        self.last_sequence += 1
        self.last_message_at = now
        self._changed(now)
        message = Message(
            id=uuid4(),
            conversation_id=self.id,
            sequence=self.last_sequence,
            role=sender.role,
            sender_agent_id=sender.agent_id,
            content=content,
            created_at=now,
            client_message_id=client_message_id,
            reply_to=reply_to,
        )
        self.events.append(
            events.MessagePosted(now, self.id, message.id, message.sequence, message.role)
        )
        return message

    def _acting(self, agent_id: UUID) -> Participant:
        participant = self.active_participant(agent_id)
        if participant is None:
            raise NotAParticipant("the agent takes no active part in this conversation")
        return participant

    def _active_agent_count(self) -> int:
        return sum(1 for p in self.participants if p.is_active_agent)

    def _replace(self, changed: Participant) -> None:
        self.participants = tuple(changed if p.id == changed.id else p for p in self.participants)

    def _changed(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1

    def _record_joined(self, participant: Participant, now: datetime) -> None:
        self.events.append(
            events.ParticipantJoined(
                now, self.id, participant.id, participant.role, participant.agent_id
            )
        )
