"""A `client_message_id` makes a send safe to retry: one message, one reply, one question."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import (
    AssistantUnavailable,
    ConversationNotFound,
    IdempotencyConflict,
    IdempotencyInProgress,
)
from application.use_cases.conversations import UpdateConversation, update_conversation
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.reply import AskForReply, ask_for_reply
from application.use_cases.send_message import ChatTurn, SendMessage, send_message
from domain.conversation import ConversationStatus
from domain.errors import ConversationArchived
from domain.roles import Role

TIMEOUT = timedelta(seconds=60)


def hello(conversation_id=None):
    return SendMessage("hello", conversation_id=conversation_id, client_message_id="c-1")


def ids_of(turn):
    return (turn.user_message.id, turn.assistant_message.id)


def roles_stored(store):
    return [m.role for m in store.messages_by_id.values()]


@pytest.fixture
async def failed_send(context_with, failing_assistant, alice):
    with pytest.raises(AssistantUnavailable) as unavailable:
        await send_message(context_with(assistant=failing_assistant), alice, hello())
    return unavailable.value


async def test_a_retry_returns_the_same_messages_and_stores_nothing_new(
    context, alice, snapshot, publisher
):
    first = await send_message(context, alice, hello())
    before, published = snapshot(), len(publisher.events)

    retry = await send_message(context, alice, hello())

    assert ids_of(retry) == ids_of(first)
    assert (first.created, retry.created) == (True, False)
    assert snapshot() == before
    assert len(publisher.events) == published


async def test_a_retry_naming_the_conversation_the_first_send_created_is_a_retry(context, alice):
    first = await send_message(context, alice, hello())

    retry = await send_message(context, alice, hello(first.conversation.id))

    assert ids_of(retry) == ids_of(first)


async def test_a_retry_without_the_conversation_the_first_send_named_is_a_retry(context, alice):
    started = await init_chat(context, alice, InitChat())
    first = await send_message(context, alice, hello(started.conversation.id))

    retry = await send_message(context, alice, hello())

    assert ids_of(retry) == ids_of(first)
    assert retry.conversation.id == started.conversation.id


async def test_a_retry_shows_the_current_state_of_the_conversation(context, alice):
    first = await send_message(context, alice, hello())
    await send_message(context, alice, SendMessage("more", conversation_id=first.conversation.id))

    retry = await send_message(context, alice, hello())

    assert retry.conversation.message_count == 4
    assert retry.chat_session.message_count == 4


async def test_the_same_key_with_another_message_is_a_conflict(context, alice, snapshot):
    await send_message(context, alice, hello())
    before = snapshot()

    with pytest.raises(IdempotencyConflict):
        await send_message(context, alice, SendMessage("goodbye", client_message_id="c-1"))

    assert snapshot() == before


async def test_the_same_key_in_another_conversation_is_a_conflict(context, alice, snapshot):
    await send_message(context, alice, hello())
    other = await init_chat(context, alice, InitChat())
    before = snapshot()

    with pytest.raises(IdempotencyConflict):
        await send_message(context, alice, hello(other.conversation.id))

    assert snapshot() == before


async def test_the_same_key_naming_a_conversation_the_caller_cannot_see_is_not_found(
    context, alice
):
    await send_message(context, alice, hello())

    with pytest.raises(ConversationNotFound):
        await send_message(context, alice, hello(uuid4()))


async def test_a_retry_while_the_first_send_is_answered_is_in_progress(
    context_with, blocking_assistant, alice, store
):
    context = context_with(assistant=blocking_assistant)
    first = asyncio.create_task(send_message(context, alice, hello()))
    await blocking_assistant.asked.wait()

    with pytest.raises(IdempotencyInProgress) as in_progress:
        await send_message(context, alice, hello())

    blocking_assistant.release()
    assert (await first).created
    assert in_progress.value.retry_after_seconds >= 1
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]


async def test_a_retry_just_before_the_claim_expires_waits_at_least_a_second(
    context_with, blocking_assistant, alice, clock
):
    context = context_with(assistant=blocking_assistant)
    first = asyncio.create_task(send_message(context, alice, hello()))
    await blocking_assistant.asked.wait()
    clock.advance(TIMEOUT - timedelta(milliseconds=100))

    with pytest.raises(IdempotencyInProgress) as in_progress:
        await send_message(context, alice, hello())

    blocking_assistant.release()
    await first
    assert in_progress.value.retry_after_seconds == 1


async def test_a_retry_after_an_assistant_failure_completes_the_reply(
    context, alice, store, failed_send
):
    retry = await send_message(context, alice, hello())

    assert retry.created
    assert retry.user_message == failed_send.user_message
    assert retry.assistant_message.reply_to == failed_send.user_message.id
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]
    assert retry.chat_session.message_count == 2


async def test_a_reply_asked_for_after_a_failed_send_is_what_a_retry_returns(
    context_with, counting_assistant, alice, store, failed_send
):
    context = context_with(assistant=counting_assistant)
    given = await ask_for_reply(context, alice, AskForReply(failed_send.conversation_id))

    retry = await send_message(context, alice, hello())

    assert ids_of(retry) == (failed_send.user_message.id, given.assistant_message.id)
    assert not retry.created
    assert counting_assistant.calls == 1
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]
    (record,) = store.idempotency.values()
    assert record.assistant_message_id == given.assistant_message.id


async def test_a_retry_that_fails_again_can_itself_be_retried(
    context, context_with, failing_assistant, alice, store, failed_send
):
    with pytest.raises(AssistantUnavailable) as again:
        await send_message(context_with(assistant=failing_assistant), alice, hello())

    retry = await send_message(context, alice, hello())

    assert again.value.user_message == failed_send.user_message
    assert retry.user_message == failed_send.user_message
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]


async def test_a_send_waiting_for_its_reply_returns_the_one_asked_for_meanwhile(
    context_with, blocking_assistant, alice, store
):
    context = context_with(assistant=blocking_assistant)
    first = asyncio.create_task(send_message(context, alice, hello()))
    await blocking_assistant.asked.wait()
    conversation_id = next(iter(store.conversations))

    given = await ask_for_reply(context, alice, AskForReply(conversation_id))
    blocking_assistant.release()
    turn = await first

    assert turn.assistant_message.id == given.assistant_message.id
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]


async def test_retries_of_a_failed_send_into_a_conversation_archived_since_are_refused(
    context, alice, failed_send
):
    archive = UpdateConversation(failed_send.conversation_id, status=ConversationStatus.ARCHIVED)
    await update_conversation(context, alice, archive)

    with pytest.raises(ConversationArchived):
        await send_message(context, alice, hello())
    with pytest.raises(ConversationArchived):
        await send_message(context, alice, hello())


async def test_a_claim_older_than_the_assistant_timeout_counts_as_failed(
    context_with, blocking_assistant, alice, clock, store
):
    context = context_with(assistant=blocking_assistant)
    first = asyncio.create_task(send_message(context, alice, hello()))
    await blocking_assistant.asked.wait()
    clock.advance(TIMEOUT + timedelta(seconds=1))

    retry = await send_message(context, alice, hello())
    blocking_assistant.release()
    original = await first

    assert retry.created
    assert original.assistant_message.id == retry.assistant_message.id
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]


async def test_a_send_whose_reply_could_not_be_stored_is_completed_by_a_later_retry(
    context_with, faulty_writes, alice, clock, store
):
    writes = faulty_writes(6)
    with pytest.raises(writes.error):
        await send_message(context_with(writes=writes), alice, hello())
    clock.advance(TIMEOUT)

    retry = await send_message(context_with(), alice, hello())

    assert retry.created
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]


@pytest.mark.parametrize("pause", [False, True], ids=["atomic-writes", "interleaved-writes"])
@pytest.mark.parametrize("known", [True, False], ids=["known-agent", "new-agent"])
async def test_concurrent_retries_store_one_turn_and_ask_the_assistant_once(
    context_with, faulty_writes, counting_assistant, alice, store, known, pause
):
    context = context_with(assistant=counting_assistant, writes=faulty_writes(pause=pause))
    if known:
        await init_chat(context, alice, InitChat())

    async with asyncio.timeout(5):
        outcomes = await asyncio.gather(
            *(send_message(context, alice, hello()) for _ in range(10)), return_exceptions=True
        )

    turns = [o for o in outcomes if isinstance(o, ChatTurn)]
    refused = [o for o in outcomes if not isinstance(o, ChatTurn)]
    assert all(isinstance(o, IdempotencyInProgress) for o in refused), refused
    assert {ids_of(turn) for turn in turns} == {ids_of(turns[0])}
    assert roles_stored(store) == [Role.ISO_AGENT, Role.AI_ASSISTANT]
    assert counting_assistant.calls == 1
    assert len(store.agents) == 1


async def test_a_retry_after_concurrent_retries_returns_the_one_stored_turn(
    context_with, counting_assistant, alice
):
    context = context_with(assistant=counting_assistant)
    await asyncio.gather(
        *(send_message(context, alice, hello()) for _ in range(5)), return_exceptions=True
    )

    retry = await send_message(context, alice, hello())

    assert not retry.created
    assert retry.assistant_message.content == "Re: hello"
    assert counting_assistant.calls == 1
