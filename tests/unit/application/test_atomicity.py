"""The seed's failure: a write that fails must take its whole unit of work with it.

Each use case is first run once with every write counted; then it is run again with each of
those writes, one at a time, made to fail.
"""

import pytest

from application.errors import ConcurrentUpdate, StoreUnavailable
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message
from domain.roles import Role

INIT_CHAT_WRITES = ["agents.add", "conversations.add", "chat_sessions.add"]

ACCEPT_FIRST_MESSAGE_WRITES = [
    "agents.add",
    "conversations.add",
    "messages.add",
    "chat_sessions.add",
    "idempotency.add",
]
ACCEPT_NEXT_MESSAGE_WRITES = [
    "conversations.save",
    "messages.add",
    "chat_sessions.save",
    "idempotency.add",
]
REPLY_WRITES = ["conversations.save", "messages.add", "chat_sessions.save", "idempotency.save"]

FIRST_SEND_WRITES = ACCEPT_FIRST_MESSAGE_WRITES + REPLY_WRITES
NEXT_SEND_WRITES = ACCEPT_NEXT_MESSAGE_WRITES + REPLY_WRITES


def each_write(writes):
    return pytest.mark.parametrize(
        "fail_at",
        range(1, len(writes) + 1),
        ids=[f"{n}-{write}" for n, write in enumerate(writes, start=1)],
    )


def first_send():
    return SendMessage("hello", client_message_id="c-1")


@pytest.fixture
async def started(context, alice):
    return await init_chat(context, alice, InitChat())


def next_send(started):
    return SendMessage("again", conversation_id=started.conversation.id, client_message_id="c-2")


async def test_init_chat_makes_exactly_these_writes(context_with, faulty_writes, alice):
    writes = faulty_writes()

    await init_chat(context_with(writes=writes), alice, InitChat())

    assert writes.made == INIT_CHAT_WRITES


async def test_a_first_send_makes_exactly_these_writes(context_with, faulty_writes, alice):
    writes = faulty_writes()

    await send_message(context_with(writes=writes), alice, first_send())

    assert writes.made == FIRST_SEND_WRITES


async def test_a_send_to_an_existing_conversation_makes_exactly_these_writes(
    context_with, faulty_writes, alice, started
):
    writes = faulty_writes()

    await send_message(context_with(writes=writes), alice, next_send(started))

    assert writes.made == NEXT_SEND_WRITES


@each_write(INIT_CHAT_WRITES)
async def test_init_chat_stores_nothing_when_any_write_fails(
    context_with, faulty_writes, alice, snapshot, publisher, fail_at
):
    writes = faulty_writes(fail_at)
    before = snapshot()

    with pytest.raises(writes.error):
        await init_chat(context_with(writes=writes), alice, InitChat())

    assert snapshot() == before
    assert publisher.events == []


@each_write(ACCEPT_FIRST_MESSAGE_WRITES)
async def test_a_first_send_stores_nothing_when_a_write_of_its_message_fails(
    context_with, faulty_writes, alice, snapshot, publisher, fail_at
):
    writes = faulty_writes(fail_at)
    before = snapshot()

    with pytest.raises(writes.error):
        await send_message(context_with(writes=writes), alice, first_send())

    assert snapshot() == before
    assert publisher.events == []


@each_write(ACCEPT_NEXT_MESSAGE_WRITES)
async def test_a_send_to_an_existing_conversation_stores_nothing_when_a_write_of_its_message_fails(
    context_with, faulty_writes, alice, snapshot, started, fail_at
):
    writes = faulty_writes(fail_at)
    before = snapshot()

    with pytest.raises(writes.error):
        await send_message(context_with(writes=writes), alice, next_send(started))

    assert snapshot() == before


def assert_only_the_users_message_is_stored(store, conversation_id):
    conversation = store.conversations[conversation_id]
    assert [m.role for m in store.messages[conversation_id]] == [Role.ISO_AGENT]
    assert conversation.message_count == 1
    (session,) = store.chat_sessions.values()
    assert session.message_count == 1
    (record,) = store.idempotency.values()
    assert record.assistant_message_id is None


@each_write(REPLY_WRITES)
async def test_a_send_keeps_only_the_users_message_when_a_write_of_the_reply_fails(
    context_with, faulty_writes, alice, store, fail_at
):
    writes = faulty_writes(len(ACCEPT_FIRST_MESSAGE_WRITES) + fail_at)

    with pytest.raises(writes.error):
        await send_message(context_with(writes=writes), alice, first_send())

    assert_only_the_users_message_is_stored(store, next(iter(store.conversations)))


@each_write(FIRST_SEND_WRITES)
async def test_a_lost_race_at_any_write_is_tried_again_and_the_turn_stored_once(
    context_with, faulty_writes, alice, store, publisher, fail_at
):
    writes = faulty_writes(fail_at, error=ConcurrentUpdate)

    turn = await send_message(context_with(writes=writes), alice, first_send())

    assert len(writes.made) > len(FIRST_SEND_WRITES)
    assert [m.id for m in store.messages[turn.conversation.id]] == [
        turn.user_message.id,
        turn.assistant_message.id,
    ]
    assert (len(store.agents), len(store.conversations), len(store.chat_sessions)) == (1, 1, 1)
    assert store.chat_sessions[turn.chat_session.id].message_count == 2
    (record,) = store.idempotency.values()
    assert record.assistant_message_id == turn.assistant_message.id
    assert len(publisher.events) == 7


async def test_an_unreachable_store_fails_the_use_case_and_stores_nothing(
    context, alice, store, snapshot
):
    store.reachable = False

    with pytest.raises(StoreUnavailable):
        await init_chat(context, alice, InitChat())

    store.reachable = True
    assert snapshot()["conversations"] == {}
