from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import ChatSessionNotFound
from application.use_cases.chat_sessions import end_chat_session, get_chat_session
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message
from domain.chat_session import ChatSessionStatus
from domain.events import ChatSessionEnded

IDLE = timedelta(minutes=30)


@pytest.fixture
async def started(context, alice):
    return await init_chat(context, alice, InitChat())


async def say(context, principal, started, text="hello"):
    command = SendMessage(text, conversation_id=started.conversation.id)
    return await send_message(context, principal, command)


async def test_the_caller_can_read_its_chat_session(context, alice, started):
    session = await get_chat_session(context, alice, started.chat_session.id)

    assert (session.id, session.status) == (started.chat_session.id, ChatSessionStatus.ACTIVE)


async def test_an_unknown_chat_session_is_not_found(context, alice, started):
    with pytest.raises(ChatSessionNotFound):
        await get_chat_session(context, alice, uuid4())


async def test_a_message_and_its_reply_are_counted_in_the_session(context, alice, clock, started):
    clock.advance(timedelta(minutes=1))

    turn = await say(context, alice, started)

    session = await get_chat_session(context, alice, started.chat_session.id)
    assert turn.chat_session.id == session.id
    assert session.message_count == 2
    assert session.last_activity_at == clock.now()


async def test_after_the_idle_limit_the_old_session_ends_and_a_new_one_starts(
    context, alice, clock, store, started
):
    await say(context, alice, started)
    clock.advance(IDLE + timedelta(seconds=1))

    turn = await say(context, alice, started)

    old = store.chat_sessions[started.chat_session.id]
    assert (old.status, old.ended_at, old.message_count) == (
        ChatSessionStatus.ENDED,
        clock.now(),
        2,
    )
    assert turn.chat_session.id != old.id
    assert (turn.chat_session.status, turn.chat_session.message_count) == (
        ChatSessionStatus.ACTIVE,
        2,
    )


async def test_activity_exactly_at_the_idle_limit_keeps_the_session(context, alice, clock, started):
    clock.advance(IDLE)

    turn = await say(context, alice, started)

    assert turn.chat_session.id == started.chat_session.id


async def test_ending_a_session_ends_it(context, alice, clock, store, started):
    clock.advance(timedelta(minutes=3))

    ended = await end_chat_session(context, alice, started.chat_session.id)

    assert (ended.status, ended.ended_at) == (ChatSessionStatus.ENDED, clock.now())
    assert store.chat_sessions[ended.id].status is ChatSessionStatus.ENDED


async def test_ending_an_ended_session_changes_nothing(
    context, alice, clock, publisher, snapshot, started
):
    first = await end_chat_session(context, alice, started.chat_session.id)
    before = snapshot()
    clock.advance(timedelta(minutes=3))

    again = await end_chat_session(context, alice, started.chat_session.id)

    assert (again.status, again.ended_at) == (ChatSessionStatus.ENDED, first.ended_at)
    assert snapshot() == before
    assert sum(isinstance(e, ChatSessionEnded) for e in publisher.events) == 1


async def test_a_message_after_the_session_ended_starts_a_new_one(context, alice, store, started):
    await end_chat_session(context, alice, started.chat_session.id)

    turn = await say(context, alice, started)

    assert turn.chat_session.id != started.chat_session.id
    assert turn.chat_session.message_count == 2
    assert store.chat_sessions[started.chat_session.id].message_count == 0
