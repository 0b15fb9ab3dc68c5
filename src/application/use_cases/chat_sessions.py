"""Reading and ending the caller's chat sessions."""

from uuid import UUID

from application.context import UseCaseContext
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.access import own_session
from application.use_cases.agents import resolve_agent
from domain.chat_session import ChatSession


async def get_chat_session(
    context: UseCaseContext, principal: Principal, session_id: UUID
) -> ChatSession:
    """One of the caller's chat sessions; `ChatSessionNotFound` for anyone else's."""

    async def work(unit_of_work: UnitOfWork) -> ChatSession:
        return await _own_session(unit_of_work, context, principal, session_id, for_update=False)

    return await in_transaction(context.new_unit_of_work, work)


async def end_chat_session(
    context: UseCaseContext, principal: Principal, session_id: UUID
) -> ChatSession:
    """End one of the caller's chat sessions; ending an ended one changes nothing."""

    async def work(unit_of_work: UnitOfWork) -> ChatSession:
        session = await _own_session(unit_of_work, context, principal, session_id, for_update=True)
        if session.is_active:
            session.end(context.clock.now())
            await unit_of_work.chat_sessions.save(session)
        return session

    return await in_transaction(context.new_unit_of_work, work)


async def _own_session(
    unit_of_work: UnitOfWork,
    context: UseCaseContext,
    principal: Principal,
    session_id: UUID,
    *,
    for_update: bool,
) -> ChatSession:
    agent = await resolve_agent(unit_of_work, context, principal)
    return await own_session(unit_of_work, session_id, agent.id, for_update=for_update)
