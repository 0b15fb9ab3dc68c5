"""In-memory agents."""

from adapters.memory.store import detached
from adapters.memory.transaction import Transaction
from application.ports.repositories import AgentRepository
from domain.agent import Agent


class MemoryAgentRepository(AgentRepository):
    def __init__(self, transaction: Transaction) -> None:
        super().__init__()
        self._tx = transaction

    async def _add(self, agent: Agent) -> None:
        self._tx.agents[agent.id] = agent

    async def get_by_external_id(self, external_user_id: str) -> Agent | None:
        own = (a for a in self._tx.agents.values() if a.external_user_id == external_user_id)
        found = next(own, None) or self._tx.store.agent_by_external_id(external_user_id)
        return detached(found)

    async def list_all(self) -> list[Agent]:
        every = {**self._tx.store.agents, **self._tx.agents}
        return detached(sorted(every.values(), key=lambda a: (a.created_at, a.external_user_id)))
