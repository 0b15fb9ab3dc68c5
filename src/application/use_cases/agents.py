"""Agents: turning a verified sign-in into the agent it stands for."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog

from application.context import UseCaseContext
from application.errors import AgentNotProvisioned
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from domain.agent import Agent


async def resolve_agent(
    unit_of_work: UnitOfWork, context: UseCaseContext, principal: Principal
) -> Agent:
    """The agent of `principal`, provisioned on first use when the policy allows; the unit of
    work acts for it from here on.

    Raises `AgentNotProvisioned` when it is unknown and may not be provisioned.
    """
    agent = await unit_of_work.agents.get_by_external_id(principal.external_user_id)
    if agent is None:
        if not context.policy.auto_provision:
            raise AgentNotProvisioned(principal.external_user_id)
        agent = await _provision(unit_of_work, principal, context.clock.now())
    await unit_of_work.act_for(agent.id)
    structlog.contextvars.bind_contextvars(agent_id=str(agent.id))
    return agent


async def add_agent(context: UseCaseContext, principal: Principal) -> Agent:
    """Provision the agent of `principal` (an operator's command); return it if it exists."""

    async def work(unit_of_work: UnitOfWork) -> Agent:
        found = await unit_of_work.agents.get_by_external_id(principal.external_user_id)
        return found or await _provision(unit_of_work, principal, context.clock.now())

    return await in_transaction(context.new_unit_of_work, work)


async def list_agents(context: UseCaseContext) -> list[Agent]:
    """Every agent, oldest first."""

    async def work(unit_of_work: UnitOfWork) -> list[Agent]:
        return await unit_of_work.agents.list_all()

    return await in_transaction(context.new_unit_of_work, work)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What `sync_agents` did: the agents it provisioned, and how many existed already."""

    added: list[Agent]
    already_known: int


async def sync_agents(context: UseCaseContext, principals: Sequence[Principal]) -> SyncReport:
    """Provision every principal that is not an agent yet, all in one unit of work.

    Existing agents are left unchanged. A principal listed twice counts once (its first
    listing is used). Raises the domain's `InvalidAgentIdentity` for an invalid principal,
    and then stores nothing.
    """
    distinct: dict[str, Principal] = {}
    for principal in principals:
        distinct.setdefault(principal.external_user_id, principal)

    async def work(unit_of_work: UnitOfWork) -> SyncReport:
        now = context.clock.now()
        added: list[Agent] = []
        for principal in distinct.values():
            if await unit_of_work.agents.get_by_external_id(principal.external_user_id) is None:
                added.append(await _provision(unit_of_work, principal, now))
        return SyncReport(added, len(distinct) - len(added))

    return await in_transaction(context.new_unit_of_work, work)


async def _provision(unit_of_work: UnitOfWork, principal: Principal, now: datetime) -> Agent:
    agent = Agent.provision(principal.external_user_id, now, principal.email, principal.name)
    await unit_of_work.agents.add(agent)
    return agent
