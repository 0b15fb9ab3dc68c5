"""Reading a conversation's messages, a page at a time, in sequence order."""

from dataclasses import dataclass
from uuid import UUID

from application.context import UseCaseContext
from application.errors import InvalidRequest
from application.ports.repositories import MessagePage
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.access import visible_conversation
from application.use_cases.agents import resolve_agent

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class ListMessages:
    conversation_id: UUID
    limit: int = 50
    before: int | None = None
    after: int | None = None


async def list_messages(
    context: UseCaseContext, principal: Principal, query: ListMessages
) -> MessagePage:
    """The newest messages (below `before`), or the oldest above `after`, ascending.

    Raises `InvalidRequest` for values out of range, `ConversationNotFound`.
    """
    _check(query)

    async def work(unit_of_work: UnitOfWork) -> MessagePage:
        agent = await resolve_agent(unit_of_work, context, principal)
        conversation = await visible_conversation(unit_of_work, query.conversation_id, agent.id)
        if query.after is not None:
            return await unit_of_work.messages.oldest_after(
                conversation.id, query.after, query.limit
            )
        return await unit_of_work.messages.newest(conversation.id, query.limit, query.before)

    return await in_transaction(context.new_unit_of_work, work)


def _check(query: ListMessages) -> None:
    if not 1 <= query.limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be 1 to {MAX_PAGE_SIZE}")
    if query.before is not None and query.after is not None:
        raise InvalidRequest("before and after cannot be used together")
    if query.before is not None and query.before < 1:
        raise InvalidRequest("before must be at least 1")
    if query.after is not None and query.after < 0:
        raise InvalidRequest("after must be at least 0")
