"""Agents in `iso_agents`."""

from adapters.postgres.known_agents import KnownAgents
from adapters.postgres.rows import agent_from
from adapters.postgres.session import Session
from application.ports.repositories import AgentRepository
from domain.agent import Agent


class PostgresAgentRepository(AgentRepository):
    def __init__(self, session: Session, known: KnownAgents | None = None) -> None:
        super().__init__()
        self._db = session
        self._known = known
        self.seen: list[Agent] = []
        """Agents read or added here: known to all once this unit of work commits."""

    async def _add(self, agent: Agent) -> None:
        self._db.write(
            "INSERT INTO iso_agents (id, external_user_id, email, name, created_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (agent.id, agent.external_user_id, agent.email, agent.name, agent.created_at),
        )
        self.seen.append(agent)

    async def get_by_external_id(self, external_user_id: str) -> Agent | None:
        known = self._known.get(external_user_id) if self._known is not None else None
        if known is not None:
            return known
        row = await self._db.fetch_one(
            "SELECT * FROM iso_agents WHERE external_user_id = %s", (external_user_id,)
        )
        if row is None:
            return None
        agent = agent_from(row)
        self.seen.append(agent)
        return agent

    async def list_all(self) -> list[Agent]:
        rows = await self._db.fetch_all(
            "SELECT * FROM iso_agents ORDER BY created_at, external_user_id"
        )
        return [agent_from(row) for row in rows]
