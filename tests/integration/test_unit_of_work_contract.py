"""Both units of work: atomic, isolated, rolled back unless committed, events after commit."""

import asyncio

import pytest

from adapters.memory.events import RecordingPublisher
from application.errors import ConcurrentUpdate
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agent import Agent
from domain.conversation import Conversation
from domain.events import AgentProvisioned, ConversationStarted, ParticipantJoined
from integration.builders import T0, stored_agent


async def test_what_is_committed_is_found_by_the_next_unit_of_work(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    async with new_unit_of_work() as uow:
        found = await uow.agents.get_by_external_id("user_a")
    assert found is not None
    assert (found.id, found.email, found.created_at) == (agent.id, agent.email, agent.created_at)


async def test_leaving_without_commit_stores_nothing(new_unit_of_work: UnitOfWorkFactory) -> None:
    async with new_unit_of_work() as uow:
        await uow.agents.add(Agent.provision("user_a", T0))
    async with new_unit_of_work() as uow:
        assert await uow.agents.get_by_external_id("user_a") is None


async def test_an_error_inside_rolls_everything_back(new_unit_of_work: UnitOfWorkFactory) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = Conversation.start(agent.id, T0)

    async def fail_midway() -> None:
        async with new_unit_of_work() as uow:
            await uow.act_for(agent.id)
            await uow.conversations.add(conversation)
            await uow.agents.add(Agent.provision("user_b", T0))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        assert await uow.conversations.get(conversation.id) is None
        assert await uow.agents.get_by_external_id("user_b") is None


async def test_uncommitted_writes_are_invisible_to_other_units_of_work(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    async with new_unit_of_work() as writer:
        await writer.agents.add(Agent.provision("user_a", T0))
        await writer.agents.list_all()  # sends the pending write to the store
        async with new_unit_of_work() as reader:
            assert await reader.agents.get_by_external_id("user_a") is None
        await writer.commit()
    async with new_unit_of_work() as reader:
        assert await reader.agents.get_by_external_id("user_a") is not None


async def test_a_unit_of_work_reads_its_own_writes(new_unit_of_work: UnitOfWorkFactory) -> None:
    agent = Agent.provision("user_a", T0)
    conversation = Conversation.start(agent.id, T0)
    async with new_unit_of_work() as uow:
        await uow.agents.add(agent)
        await uow.act_for(agent.id)
        await uow.conversations.add(conversation)
        assert await uow.agents.get_by_external_id("user_a") is not None
        found = await uow.conversations.get(conversation.id)
        assert found is not None
        assert found.id == conversation.id


async def test_events_are_published_after_commit_only(
    new_unit_of_work: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    agent = Agent.provision("user_a", T0)
    conversation = Conversation.start(agent.id, T0)
    async with new_unit_of_work() as uow:
        await uow.agents.add(agent)
        await uow.act_for(agent.id)
        await uow.conversations.add(conversation)
        assert publisher.events == []
        await uow.commit()
    assert [type(e) for e in publisher.events] == [
        AgentProvisioned,
        ConversationStarted,
        ParticipantJoined,
        ParticipantJoined,
    ]


async def test_rolled_back_work_publishes_nothing(
    new_unit_of_work: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    async with new_unit_of_work() as uow:
        await uow.agents.add(Agent.provision("user_a", T0))
    assert publisher.events == []


async def test_two_provisionings_of_one_user_race_and_one_loses(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    async with new_unit_of_work() as first, new_unit_of_work() as second:
        await first.agents.add(Agent.provision("user_a", T0))
        await second.agents.add(Agent.provision("user_a", T0))
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await second.commit()
    async with new_unit_of_work() as uow:
        assert len(await uow.agents.list_all()) == 1


async def test_saving_a_conversation_changed_meanwhile_loses_the_race(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = Conversation.start(agent.id, T0)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.conversations.add(conversation)
        await uow.commit()
    async with new_unit_of_work() as stale:
        await stale.act_for(agent.id)
        old = await stale.conversations.get(conversation.id)
        assert old is not None
        async with new_unit_of_work() as fresh:
            await fresh.act_for(agent.id)
            current = await fresh.conversations.get(conversation.id, for_update=True)
            assert current is not None
            current.rename("First", T0)
            await fresh.conversations.save(current)
            await fresh.commit()
        old.rename("Second", T0)
        await stale.conversations.save(old)
        with pytest.raises(ConcurrentUpdate):
            await stale.commit()


async def test_a_locked_conversation_is_read_after_the_holder_commits(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = Conversation.start(agent.id, T0)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.conversations.add(conversation)
        await uow.commit()
    titles_seen: list[str | None] = []

    async def rename(title: str, hold: float) -> None:
        async with new_unit_of_work() as uow:
            await uow.act_for(agent.id)
            found = await uow.conversations.get(conversation.id, for_update=True)
            assert found is not None
            titles_seen.append(found.title)
            await asyncio.sleep(hold)
            found.rename(title, T0)
            await uow.conversations.save(found)
            await uow.commit()

    first = asyncio.create_task(rename("first", 0.2))
    await asyncio.sleep(0.05)
    await rename("second", 0)
    await first
    assert titles_seen == [None, "first"]
