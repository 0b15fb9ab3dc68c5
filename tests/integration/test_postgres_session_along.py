"""The caller's chat session read along with its conversation, fresh and never saved stale;
what a unit of work's reads cost in statements."""

import asyncio
from typing import cast

import pytest

from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.errors import ConcurrentUpdate
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agent import Agent
from domain.chat_session import ChatSession
from domain.conversation import Conversation, ConversationStatus
from integration.builders import at, stored_agent, stored_conversation

ACTIVE = ConversationStatus.ACTIVE


@pytest.fixture
def new_unit_of_work(pool, publisher) -> UnitOfWorkFactory:  # type: ignore[no-untyped-def]
    return lambda: PostgresUnitOfWork(pool, publisher)


async def _alices_conversation(new_unit_of_work: UnitOfWorkFactory) -> tuple[Agent, Conversation]:
    agent = await stored_agent(new_unit_of_work, "alice")
    return agent, await stored_conversation(new_unit_of_work, agent)


async def _with_session(
    new_unit_of_work: UnitOfWorkFactory,
) -> tuple[Agent, Conversation, ChatSession]:
    agent, conversation = await _alices_conversation(new_unit_of_work)
    session = ChatSession.start(conversation.id, agent.id, at(1))
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.chat_sessions.add(session)
        await uow.commit()
    return agent, conversation, session


async def test_a_session_read_along_costs_no_statement_and_is_the_latest(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent, conversation, session = await _with_session(new_unit_of_work)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.conversations.get(conversation.id, for_update=True, session_of=agent.id)
        statements = cast(PostgresUnitOfWork, uow).statements
        along = await uow.chat_sessions.latest_for(conversation.id, agent.id, for_update=True)
        assert cast(PostgresUnitOfWork, uow).statements == statements
    assert along is not None
    assert (along.id, along.message_count) == (session.id, 0)


async def test_an_agent_without_a_session_is_read_along_as_none(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent, conversation = await _alices_conversation(new_unit_of_work)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.conversations.get(conversation.id, for_update=True, session_of=agent.id)
        assert await uow.chat_sessions.latest_for(conversation.id, agent.id) is None


async def test_a_session_changed_after_it_was_read_along_is_not_overwritten(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent, conversation, session = await _with_session(new_unit_of_work)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.conversations.get(conversation.id, for_update=True, session_of=agent.id)
        along = await uow.chat_sessions.latest_for(conversation.id, agent.id, for_update=True)
        assert along is not None
        async with new_unit_of_work() as other:
            await other.act_for(agent.id)
            ended = await other.chat_sessions.get(session.id, for_update=True)
            assert ended is not None
            ended.end(at(2))
            await other.chat_sessions.save(ended)
            await other.commit()
        along.touch(at(3))
        await uow.chat_sessions.save(along)
        with pytest.raises(ConcurrentUpdate):
            await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        stored = await uow.chat_sessions.get(session.id)
    assert stored is not None
    assert (stored.is_active, stored.message_count) == (False, 0)


async def test_a_read_that_waited_for_the_conversation_finds_the_session_as_left_by_the_holder(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent, conversation, _ = await _with_session(new_unit_of_work)
    async with new_unit_of_work() as holder:
        await holder.act_for(agent.id)
        await holder.conversations.get(conversation.id, for_update=True, session_of=agent.id)
        held = await holder.chat_sessions.latest_for(conversation.id, agent.id, for_update=True)
        assert held is not None

        async def waiter() -> int:
            async with new_unit_of_work() as uow:
                await uow.act_for(agent.id)
                await uow.conversations.get(conversation.id, for_update=True, session_of=agent.id)
                found = await uow.chat_sessions.latest_for(conversation.id, agent.id)
                assert found is not None
                return found.message_count

        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0.3)
        assert not waiting.done()
        read = await holder.conversations.get(conversation.id)
        assert read is not None
        read.rename("Renamed", at(2))
        await holder.conversations.save(read)
        held.touch(at(2))
        await holder.chat_sessions.save(held)
        await holder.commit()
    assert await waiting == 1


async def test_a_page_of_conversations_brings_the_agents_active_sessions_along(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent, with_session, session = await _with_session(new_unit_of_work)
    without_session = await stored_conversation(new_unit_of_work, agent, started=5)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        page = await uow.conversations.list_for_agent(agent.id, [ACTIVE], None, 10)
        statements = cast(PostgresUnitOfWork, uow).statements
        along = await uow.chat_sessions.active_for_agent(agent.id, [c.id for c in page])
        assert cast(PostgresUnitOfWork, uow).statements == statements
    assert [c.id for c in page] == [without_session.id, with_session.id]
    assert {c: s.id for c, s in along.items()} == {with_session.id: session.id}


async def test_a_keyed_send_names_its_agent_and_conversation_in_one_statement(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent, conversation = await _alices_conversation(new_unit_of_work)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        assert await uow.idempotency.get(agent.id, "key-1") is None
        assert await uow.conversations.get(conversation.id, for_update=True) is not None
        assert await uow.conversations.get(conversation.id) is not None
        # The idempotency read, one statement of settings (the acting agent and the
        # conversation in focus, which the second read needs no more), the two reads.
        assert cast(PostgresUnitOfWork, uow).statements == 4
