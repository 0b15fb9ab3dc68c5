"""The checks a request would fail before its rate is counted, run without changing anything.

API.md orders the answers: existence (404), state (409), permission (403), then rate (429).
A caller over its rate is told the first of the others that fails, if any.
"""

from dataclasses import dataclass
from uuid import UUID

from application.context import UseCaseContext
from application.errors import AgentNotProvisioned, ApplicationError
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from application.use_cases.access import check_may_post, own_session, visible_conversation
from domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Intent:
    """What a request is about to do."""

    conversation_id: UUID | None = None
    chat_session_id: UUID | None = None
    posts: bool = False
    """It adds a message (a send, or the assistant's reply)."""
    replies: bool = False
    """It asks the assistant to answer the latest message."""


async def first_refusal(
    context: UseCaseContext, principal: Principal, intent: Intent
) -> Exception | None:
    """The error the request would meet before its rate is counted, or None."""

    async def work(unit_of_work: UnitOfWork) -> Exception | None:
        agent = await unit_of_work.agents.get_by_external_id(principal.external_user_id)
        if agent is None:
            unknown = AgentNotProvisioned(principal.external_user_id)
            return None if context.policy.auto_provision else unknown
        await unit_of_work.act_for(agent.id)
        try:
            await _check(unit_of_work, agent.id, intent)
        except (ApplicationError, DomainError) as refusal:
            return refusal
        return None

    return await in_transaction(context.new_unit_of_work, work)


async def _check(unit_of_work: UnitOfWork, agent_id: UUID, intent: Intent) -> None:
    """The use cases' own checks, in their order, on what `intent` names."""
    if intent.chat_session_id is not None:
        await own_session(unit_of_work, intent.chat_session_id, agent_id)
    if intent.conversation_id is None:
        return
    conversation = await visible_conversation(unit_of_work, intent.conversation_id, agent_id)
    if intent.posts or intent.replies:
        check_may_post(conversation, agent_id, answering=intent.replies)
