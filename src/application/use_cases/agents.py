"""Agents: turning a verified sign-in into the agent it stands for."""

from datetime import datetime

from application.context import UseCaseContext
from application.errors import AgentNotProvisioned
from application.ports.unit_of_work import UnitOfWork
from application.principal import Principal
from application.transactions import in_transaction
from domain.agent import Agent


async def resolve_agent(
    unit_of_work: UnitOfWork, context: UseCaseContext, principal: Principal
) -> Agent:
    """The agent of `principal`, provisioned on first use when the policy allows.

    Raises `AgentNotProvisioned` when it is unknown and may not be provisioned.
    """
    agent = await unit_of_work.agents.get_by_external_id(principal.external_user_id)
    if agent is not None:
        return agent
    if not context.policy.auto_provision:
        raise AgentNotProvisioned(principal.external_user_id)
    return await _provision(unit_of_work, principal, context.clock.now())


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


async def _provision(unit_of_work: UnitOfWork, principal: Principal, now: datetime) -> Agent:
    agent = Agent.provision(principal.external_user_id, now, principal.email, principal.name)
    await unit_of_work.agents.add(agent)
    return agent
