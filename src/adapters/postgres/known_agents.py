"""Agents already read or provisioned, kept in memory: `iso_agents` rows never change.

An agent is remembered only once the unit of work that saw it committed, so an agent that was
rolled back is never handed out.
"""

from collections import OrderedDict
from dataclasses import replace

from domain.agent import Agent

MAX_KNOWN_AGENTS = 100_000


class KnownAgents:
    """By external user id, the most recently used kept when full."""

    def __init__(self, capacity: int = MAX_KNOWN_AGENTS) -> None:
        self._capacity = capacity
        self._agents: OrderedDict[str, Agent] = OrderedDict()

    def get(self, external_user_id: str) -> Agent | None:
        agent = self._agents.get(external_user_id)
        if agent is None:
            return None
        self._agents.move_to_end(external_user_id)
        return replace(agent, events=[])

    def remember(self, agents: list[Agent]) -> None:
        for agent in agents:
            self._agents[agent.external_user_id] = replace(agent, events=[])
            self._agents.move_to_end(agent.external_user_id)
        while len(self._agents) > self._capacity:
            self._agents.popitem(last=False)
