"""Agents once committed are found again without asking the database."""

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from adapters.memory.events import RecordingPublisher
from adapters.postgres.known_agents import KnownAgents
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from domain.agent import Agent
from integration.builders import T0

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


async def test_an_agent_read_in_a_committed_unit_of_work_is_found_without_a_statement(
    pool: Pool,
) -> None:
    known = KnownAgents()
    agent = Agent.provision("alice", T0)
    async with PostgresUnitOfWork(pool, RecordingPublisher(), known) as uow:
        await uow.agents.add(agent)
        await uow.commit()
    async with PostgresUnitOfWork(pool, RecordingPublisher(), known) as uow:
        found = await uow.agents.get_by_external_id("alice")
        assert uow.statements == 0
    assert found is not None
    assert (found.id, found.external_user_id) == (agent.id, "alice")


async def test_an_agent_of_a_rolled_back_unit_of_work_is_not_remembered(pool: Pool) -> None:
    known = KnownAgents()
    async with PostgresUnitOfWork(pool, RecordingPublisher(), known) as uow:
        await uow.agents.add(Agent.provision("ghost", T0))
        await uow.agents.list_all()
    async with PostgresUnitOfWork(pool, RecordingPublisher(), known) as uow:
        assert await uow.agents.get_by_external_id("ghost") is None
        assert uow.statements == 1


def test_the_least_recently_used_agents_are_forgotten_first() -> None:
    known = KnownAgents(capacity=2)
    first, second, third = (Agent.provision(name, T0) for name in ("a", "b", "c"))
    known.remember([first, second])
    assert known.get("a") is not None
    known.remember([third])
    assert known.get("b") is None
    assert known.get("a") is not None
    assert known.get("c") is not None


def test_a_remembered_agent_is_handed_out_as_a_copy_without_events() -> None:
    known = KnownAgents()
    agent = Agent.provision("a", T0)
    known.remember([agent])
    handed = known.get("a")
    assert handed is not None
    assert handed is not agent
    assert handed.events == []
