"""Small builders for the contract tests: stored agents and conversations."""

from datetime import UTC, datetime, timedelta

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agent import Agent
from domain.conversation import Conversation

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def stored_agent(new_unit_of_work: UnitOfWorkFactory, external_id: str) -> Agent:
    agent = Agent.provision(external_id, T0, email=f"{external_id}@example.com")
    async with new_unit_of_work() as uow:
        await uow.agents.add(agent)
        await uow.commit()
    return agent


async def stored_conversation(
    new_unit_of_work: UnitOfWorkFactory, agent: Agent, *, started: float = 0, messages: int = 0
) -> Conversation:
    conversation = Conversation.start(agent.id, at(started), title="A chat")
    posted = [
        conversation.post_by_agent(agent.id, f"message {n}", at(started + n), max_chars=1000)
        for n in range(1, messages + 1)
    ]
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.conversations.add(conversation)
        for message in posted:
            await uow.messages.add(message)
        await uow.commit()
    return conversation
