"""Both stores give the same answers to the same questions."""

from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import ConcurrentUpdate
from application.idempotency import IdempotencyRecord
from application.ports.repositories import ActivityCursor
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.chat_session import ChatSession
from domain.conversation import Conversation, ConversationStatus
from integration.builders import T0, at, stored_agent, stored_conversation


async def test_a_conversation_comes_back_with_its_participants_in_order(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent, messages=2)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        found = await uow.conversations.get(conversation.id)
    assert found is not None
    assert found.participants == conversation.participants
    assert (found.title, found.status, found.last_sequence, found.version) == (
        "A chat",
        ConversationStatus.ACTIVE,
        2,
        conversation.version,
    )
    assert (found.created_at, found.last_message_at) == (at(0), at(2))


async def test_participant_changes_are_saved(new_unit_of_work: UnitOfWorkFactory) -> None:
    owner = await stored_agent(new_unit_of_work, "owner")
    operator = await stored_agent(new_unit_of_work, "operator")
    conversation = await stored_conversation(new_unit_of_work, owner)
    async with new_unit_of_work() as uow:
        await uow.act_for(owner.id)
        found = await uow.conversations.get(conversation.id, for_update=True)
        assert found is not None
        joined = found.add_operator(owner.id, operator.id, at(5))
        found.deactivate(joined.id, owner.id, at(6))
        found.add_operator(owner.id, operator.id, at(7))
        found.archive(at(8))
        await uow.conversations.save(found)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(owner.id)
        saved = await uow.conversations.get(conversation.id)
    assert saved is not None
    assert saved.participants == found.participants
    assert saved.is_archived
    assert saved.is_visible_to(operator.id)


async def test_a_conversation_that_does_not_exist_is_none(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    async with new_unit_of_work() as uow:
        assert await uow.conversations.get(uuid4()) is None


async def test_an_agent_lists_its_conversations_latest_activity_first_page_by_page(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    other = await stored_agent(new_unit_of_work, "user_b")
    conversations = [
        await stored_conversation(new_unit_of_work, agent, started=n * 10, messages=n % 3)
        for n in range(7)
    ]
    await stored_conversation(new_unit_of_work, other, started=1000)
    expected = sorted(conversations, key=lambda c: (c.last_activity_at, c.id), reverse=True)
    seen: list[Conversation] = []
    after: ActivityCursor | None = None
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        while True:
            page = await uow.conversations.list_for_agent(
                agent.id, [ConversationStatus.ACTIVE], after, 3
            )
            seen.extend(page)
            if len(page) < 3:
                break
            after = ActivityCursor(page[-1].last_activity_at, page[-1].id)
    assert [c.id for c in seen] == [c.id for c in expected]


async def test_lists_filter_by_status(new_unit_of_work: UnitOfWorkFactory) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    kept = await stored_conversation(new_unit_of_work, agent, started=1)
    archived = await stored_conversation(new_unit_of_work, agent, started=2)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        found = await uow.conversations.get(archived.id, for_update=True)
        assert found is not None
        found.archive(at(3))
        await uow.conversations.save(found)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        active = await uow.conversations.list_for_agent(
            agent.id, [ConversationStatus.ACTIVE], None, 10
        )
        only_archived = await uow.conversations.list_for_agent(
            agent.id, [ConversationStatus.ARCHIVED], None, 10
        )
        every = await uow.conversations.list_for_agent(agent.id, list(ConversationStatus), None, 10)
    assert [c.id for c in active] == [kept.id]
    assert [c.id for c in only_archived] == [archived.id]
    assert [c.id for c in every] == [archived.id, kept.id]


async def test_a_new_message_moves_a_conversation_to_the_front(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    older = await stored_conversation(new_unit_of_work, agent, started=1)
    newer = await stored_conversation(new_unit_of_work, agent, started=2)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        found = await uow.conversations.get(older.id, for_update=True)
        assert found is not None
        message = found.post_by_agent(agent.id, "bump", at(10), max_chars=100)
        await uow.conversations.save(found)
        await uow.messages.add(message)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        listed = await uow.conversations.list_for_agent(
            agent.id, [ConversationStatus.ACTIVE], None, 5
        )
    assert [c.id for c in listed] == [older.id, newer.id]


async def test_message_pages_walk_both_ways(new_unit_of_work: UnitOfWorkFactory) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent, messages=10)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        newest = await uow.messages.newest(conversation.id, 4)
        older = await uow.messages.newest(conversation.id, 4, before=3)
        oldest = await uow.messages.newest(conversation.id, 4, before=1)
        after = await uow.messages.oldest_after(conversation.id, 0, 4)
        tail = await uow.messages.oldest_after(conversation.id, 8, 4)
    assert ([m.sequence for m in newest.items], newest.has_more) == ([7, 8, 9, 10], True)
    assert ([m.sequence for m in older.items], older.has_more) == ([1, 2], False)
    assert (oldest.items, oldest.has_more) == ([], False)
    assert ([m.sequence for m in after.items], after.has_more) == ([1, 2, 3, 4], True)
    assert ([m.sequence for m in tail.items], tail.has_more) == ([9, 10], False)


async def test_a_message_is_found_within_its_conversation_with_its_reply(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent, messages=1)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        found = await uow.conversations.get(conversation.id, for_update=True)
        assert found is not None
        question = (await uow.messages.newest(conversation.id, 1)).items[0]
        assert await uow.messages.reply_to(question) is None
        reply = found.post_reply("an answer", at(5), reply_to=question.id)
        await uow.conversations.save(found)
        await uow.messages.add(reply)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        assert await uow.messages.get(conversation.id, question.id) == question
        assert await uow.messages.reply_to(question) == reply
        assert await uow.messages.get(conversation.id, reply.id) == reply


async def test_the_latest_session_is_the_active_one_else_the_newest(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent)
    first = ChatSession.start(conversation.id, agent.id, at(1))
    first.end(at(2))
    second = ChatSession.start(conversation.id, agent.id, at(3))
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        assert await uow.chat_sessions.latest_for(conversation.id, agent.id) is None
        await uow.chat_sessions.add(first)
        await uow.chat_sessions.add(second)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        latest = await uow.chat_sessions.latest_for(conversation.id, agent.id, for_update=True)
        assert latest is not None
        assert latest.id == second.id
        active = await uow.chat_sessions.active_for_agent(agent.id, [conversation.id])
        assert list(active) == [conversation.id]
        latest.touch(at(4))
        latest.end(at(5))
        await uow.chat_sessions.save(latest)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        ended = await uow.chat_sessions.get(second.id)
        assert await uow.chat_sessions.active_for_agent(agent.id, [conversation.id]) == {}
    assert ended is not None
    assert (ended.status, ended.message_count, ended.ended_at) == (second.status.ENDED, 1, at(5))


async def test_an_idempotency_record_is_stored_and_updated(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent, messages=1)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        message = (await uow.messages.newest(conversation.id, 1)).items[0]
    record = IdempotencyRecord(
        agent.id, "key-1", conversation.id, message.id, "digest", at(1), claimed_at=at(1)
    )
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        assert await uow.idempotency.get(agent.id, "key-1") is None
        await uow.idempotency.add(record)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        found = await uow.idempotency.get(agent.id, "key-1")
        assert found == record
        found.release()
        await uow.idempotency.save(found)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        released = await uow.idempotency.get(agent.id, "key-1")
    assert released is not None
    assert released.claimed_at is None


async def test_a_key_claimed_twice_at_once_loses_once(new_unit_of_work: UnitOfWorkFactory) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent, messages=1)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        message = (await uow.messages.newest(conversation.id, 1)).items[0]

    def record() -> IdempotencyRecord:
        return IdempotencyRecord(
            agent.id, "key-1", conversation.id, message.id, "d", at(1), claimed_at=at(1)
        )

    async with new_unit_of_work() as first, new_unit_of_work() as second:
        await first.idempotency.add(record())
        await second.idempotency.add(record())
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await second.commit()


async def test_sessions_idle_for_long_are_still_found_as_stored(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "user_a")
    conversation = await stored_conversation(new_unit_of_work, agent)
    session = ChatSession.start(conversation.id, agent.id, T0)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        await uow.chat_sessions.add(session)
        await uow.commit()
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        found = await uow.chat_sessions.get(session.id)
    assert found is not None
    assert found.is_idle(T0 + timedelta(hours=1), timedelta(minutes=30))
