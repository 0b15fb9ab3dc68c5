"""Both stores keep a unit of work to the conversations of the agent it acts for."""

from collections.abc import Awaitable, Callable

import pytest

from application.errors import AccessRefused
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.agent import Agent
from domain.chat_session import ChatSession
from domain.conversation import Conversation, ConversationStatus
from integration.builders import at, stored_agent, stored_conversation


async def stored_session(
    new_unit_of_work: UnitOfWorkFactory, conversation: Conversation, agent: Agent
) -> ChatSession:
    session = ChatSession.start(conversation.id, agent.id, at(1))
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.chat_sessions.add(session)
        await uow.commit()
    return session


async def commit_as(
    new_unit_of_work: UnitOfWorkFactory,
    agent: Agent,
    work: Callable[[UnitOfWork], Awaitable[None]],
) -> None:
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await work(uow)
        await uow.commit()


async def assert_sees_nothing_of(
    uow: UnitOfWork, conversation: Conversation, owner: Agent, session: ChatSession
) -> None:
    assert await uow.conversations.get(conversation.id) is None
    assert await uow.conversations.get(conversation.id, for_update=True) is None
    assert (
        await uow.conversations.list_for_agent(owner.id, list(ConversationStatus), None, 10) == []
    )
    page = await uow.messages.newest(conversation.id, 10)
    assert (page.items, page.has_more) == ([], False)
    assert (await uow.messages.oldest_after(conversation.id, 0, 10)).items == []
    assert await uow.chat_sessions.get(session.id) is None
    assert await uow.chat_sessions.latest_for(conversation.id, owner.id) is None
    assert await uow.chat_sessions.active_for_agent(owner.id, [conversation.id]) == {}


async def test_acting_for_another_agent_a_conversation_and_its_rows_are_invisible(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    alice = await stored_agent(new_unit_of_work, "alice")
    bob = await stored_agent(new_unit_of_work, "bob")
    conversation = await stored_conversation(new_unit_of_work, alice, messages=2)
    session = await stored_session(new_unit_of_work, conversation, alice)
    async with new_unit_of_work() as uow:
        await uow.act_for(alice.id)
        question = (await uow.messages.newest(conversation.id, 1)).items[0]
    async with new_unit_of_work() as uow:
        await uow.act_for(bob.id)
        await assert_sees_nothing_of(uow, conversation, alice, session)
        assert await uow.messages.get(conversation.id, question.id) is None
        assert await uow.messages.reply_to(question) is None


async def test_acting_for_no_agent_no_conversation_is_visible(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    alice = await stored_agent(new_unit_of_work, "alice")
    conversation = await stored_conversation(new_unit_of_work, alice, messages=1)
    session = await stored_session(new_unit_of_work, conversation, alice)
    async with new_unit_of_work() as uow:
        await assert_sees_nothing_of(uow, conversation, alice, session)
        assert await uow.agents.get_by_external_id("alice") is not None


async def test_adding_to_a_conversation_of_another_agent_is_refused_and_stores_nothing(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    alice = await stored_agent(new_unit_of_work, "alice")
    bob = await stored_agent(new_unit_of_work, "bob")
    conversation = await stored_conversation(new_unit_of_work, alice, messages=1)
    async with new_unit_of_work() as uow:
        await uow.act_for(alice.id)
        seen = await uow.conversations.get(conversation.id)
    assert seen is not None
    intruding = seen.post_by_agent(alice.id, "not yours", at(9), max_chars=100)
    bobs_session = ChatSession.start(conversation.id, bob.id, at(9))
    with pytest.raises(AccessRefused):
        await commit_as(new_unit_of_work, bob, lambda uow: uow.messages.add(intruding))
    with pytest.raises(AccessRefused):
        await commit_as(new_unit_of_work, bob, lambda uow: uow.chat_sessions.add(bobs_session))
    async with new_unit_of_work() as uow:
        await uow.act_for(alice.id)
        assert (await uow.messages.newest(conversation.id, 10)).items[-1].sequence == 1
        assert await uow.chat_sessions.latest_for(conversation.id, bob.id) is None


async def test_a_participant_who_may_not_invite_cannot_add_one(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    alice = await stored_agent(new_unit_of_work, "alice")
    operator = await stored_agent(new_unit_of_work, "operator")
    carol = await stored_agent(new_unit_of_work, "carol")
    conversation = await stored_conversation(new_unit_of_work, alice)
    async with new_unit_of_work() as uow:
        await uow.act_for(alice.id)
        found = await uow.conversations.get(conversation.id, for_update=True)
        assert found is not None
        found.add_operator(alice.id, operator.id, at(1))
        await uow.conversations.save(found)
        await uow.commit()

    async def invite_carol(uow: UnitOfWork) -> None:
        seen = await uow.conversations.get(conversation.id, for_update=True)
        assert seen is not None
        seen.add_operator(alice.id, carol.id, at(2))  # alice may invite; the operator acts
        await uow.conversations.save(seen)

    with pytest.raises(AccessRefused):
        await commit_as(new_unit_of_work, operator, invite_carol)


async def test_an_operator_sees_the_conversation_while_it_takes_part_and_not_after(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    alice = await stored_agent(new_unit_of_work, "alice")
    operator = await stored_agent(new_unit_of_work, "operator")
    conversation = await stored_conversation(new_unit_of_work, alice, messages=1)
    async with new_unit_of_work() as uow:
        await uow.act_for(alice.id)
        found = await uow.conversations.get(conversation.id, for_update=True)
        assert found is not None
        joined = found.add_operator(alice.id, operator.id, at(5))
        await uow.conversations.save(found)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(operator.id)
        seen = await uow.conversations.get(conversation.id, for_update=True)
        assert seen is not None
        assert len((await uow.messages.newest(conversation.id, 10)).items) == 1
        seen.deactivate(joined.id, operator.id, at(6))
        await uow.conversations.save(seen)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(operator.id)
        assert await uow.conversations.get(conversation.id) is None
        assert (await uow.messages.newest(conversation.id, 10)).items == []
