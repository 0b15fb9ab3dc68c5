"""Reading and changing the caller's conversations."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from application.context import UseCaseContext
from application.errors import InvalidRequest
from application.ports.repositories import ActivityCursor
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.access import visible_conversation
from application.use_cases.agents import resolve_agent
from application.use_cases.views import ConversationView
from domain.conversation import Conversation, ConversationStatus

MAX_PAGE_SIZE = 100


class ConversationFilter(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    ALL = "all"

    @property
    def statuses(self) -> tuple[ConversationStatus, ...]:
        if self is ConversationFilter.ALL:
            return tuple(ConversationStatus)
        return (ConversationStatus(self.value),)


@dataclass(frozen=True, slots=True)
class ListConversations:
    limit: int = 20
    after: ActivityCursor | None = None
    status: ConversationFilter = ConversationFilter.ACTIVE


@dataclass(frozen=True, slots=True)
class ConversationPage:
    items: list[ConversationView]
    next_cursor: ActivityCursor | None


@dataclass(frozen=True, slots=True)
class NewTitle:
    value: str | None
    """None clears the title."""


@dataclass(frozen=True, slots=True)
class UpdateConversation:
    conversation_id: UUID
    title: NewTitle | None = None
    status: ConversationStatus | None = None


async def list_conversations(
    context: UseCaseContext, principal: Principal, query: ListConversations
) -> ConversationPage:
    """The caller's conversations, latest activity first, one keyset page at a time.

    Raises `InvalidRequest` for a limit outside 1..100.
    """
    if not 1 <= query.limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be 1 to {MAX_PAGE_SIZE}")

    async def work(unit_of_work: UnitOfWork) -> ConversationPage:
        agent = await resolve_agent(unit_of_work, context, principal)
        found = await unit_of_work.conversations.list_for_agent(
            agent.id, query.status.statuses, query.after, query.limit + 1
        )
        page = found[: query.limit]
        sessions = await unit_of_work.chat_sessions.active_for_agent(agent.id, [c.id for c in page])
        views = [ConversationView.of(c, sessions.get(c.id)) for c in page]
        more = len(found) > query.limit
        return ConversationPage(views, _cursor_after(page[-1]) if more else None)

    return await in_transaction(context.new_unit_of_work, work)


async def get_conversation(
    context: UseCaseContext, principal: Principal, conversation_id: UUID
) -> ConversationView:
    """One conversation of the caller; `ConversationNotFound` when it is not the caller's."""

    async def work(unit_of_work: UnitOfWork) -> ConversationView:
        agent = await resolve_agent(unit_of_work, context, principal)
        conversation = await visible_conversation(unit_of_work, conversation_id, agent.id)
        return await _view(unit_of_work, conversation, agent.id)

    return await in_transaction(context.new_unit_of_work, work)


async def update_conversation(
    context: UseCaseContext, principal: Principal, command: UpdateConversation
) -> ConversationView:
    """Rename, archive or unarchive a conversation of the caller (archived ones too).

    Raises `ConversationNotFound`, or the domain's `InvalidTitle`.
    """

    async def work(unit_of_work: UnitOfWork) -> ConversationView:
        now = context.clock.now()
        agent = await resolve_agent(unit_of_work, context, principal)
        conversation = await visible_conversation(
            unit_of_work, command.conversation_id, agent.id, for_update=True
        )
        if command.title is not None:
            conversation.rename(command.title.value, now)
        if command.status is ConversationStatus.ARCHIVED:
            conversation.archive(now)
        elif command.status is ConversationStatus.ACTIVE:
            conversation.unarchive(now)
        await unit_of_work.conversations.save(conversation)
        return await _view(unit_of_work, conversation, agent.id)

    return await in_transaction(context.new_unit_of_work, work)


async def _view(
    unit_of_work: UnitOfWork, conversation: Conversation, agent_id: UUID
) -> ConversationView:
    session = await unit_of_work.chat_sessions.latest_for(conversation.id, agent_id)
    return ConversationView.of(conversation, session)


def _cursor_after(conversation: Conversation) -> ActivityCursor:
    return ActivityCursor(conversation.last_activity_at, conversation.id)
