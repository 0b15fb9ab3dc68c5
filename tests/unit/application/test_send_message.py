from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import AssistantUnavailable, ConversationNotFound
from application.policy import ChatPolicy
from application.use_cases.conversations import UpdateConversation, update_conversation
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message
from domain.conversation import ConversationStatus
from domain.errors import ConversationArchived, InvalidContent
from domain.roles import Role


def stored_messages(store, conversation_id):
    return store.messages.get(conversation_id, [])


async def test_sending_without_a_conversation_starts_one_with_both_participants(
    context, alice, store
):
    turn = await send_message(context, alice, SendMessage("hello"))

    kept = store.conversations[turn.conversation.id]
    assert sorted(p.role for p in kept.participants) == [Role.AI_ASSISTANT, Role.ISO_AGENT]
    assert turn.created


async def test_sending_stores_the_message_and_then_the_assistants_reply(context, alice, store):
    turn = await send_message(context, alice, SendMessage("hello"))

    user, reply = stored_messages(store, turn.conversation.id)
    assert (user.id, user.sequence, user.role, user.content) == (
        turn.user_message.id,
        1,
        Role.ISO_AGENT,
        "hello",
    )
    assert (reply.id, reply.sequence, reply.role, reply.content) == (
        turn.assistant_message.id,
        2,
        Role.AI_ASSISTANT,
        "Echo: hello",
    )
    assert reply.reply_to == user.id
    assert user.sender_agent_id == store.agent_by_external_id("alice").id
    assert reply.sender_agent_id is None


async def test_sending_to_an_existing_conversation_continues_its_order(context, alice, store):
    started = await init_chat(context, alice, InitChat())
    command = SendMessage("again", conversation_id=started.conversation.id)

    await send_message(context, alice, command)
    turn = await send_message(context, alice, command)

    assert [m.sequence for m in stored_messages(store, started.conversation.id)] == [1, 2, 3, 4]
    assert (turn.user_message.sequence, turn.assistant_message.sequence) == (3, 4)
    assert turn.conversation.id == started.conversation.id


async def test_the_turn_shows_the_conversation_after_the_reply(context, alice, clock):
    turn = await send_message(context, alice, SendMessage("hello"))

    assert turn.conversation.message_count == 2
    assert turn.conversation.last_message_at == clock.now()
    assert turn.chat_session.message_count == 2


async def test_the_users_message_keeps_its_client_message_id(context, alice):
    turn = await send_message(context, alice, SendMessage("hello", client_message_id="c-1"))

    assert turn.user_message.client_message_id == "c-1"


async def test_the_assistant_reads_the_history_ending_with_the_new_message(
    context_with, counting_assistant, alice
):
    context = context_with(assistant=counting_assistant)
    first = await send_message(context, alice, SendMessage("one"))

    await send_message(context, alice, SendMessage("two", conversation_id=first.conversation.id))

    assert counting_assistant.questions == [["one"], ["one", "Re: one", "two"]]


async def test_the_assistant_reads_no_more_history_than_the_policy_allows(
    context_with, counting_assistant, alice
):
    context = context_with(assistant=counting_assistant, policy=ChatPolicy(history_messages=2))
    first = await send_message(context, alice, SendMessage("one"))

    await send_message(context, alice, SendMessage("two", conversation_id=first.conversation.id))

    assert counting_assistant.questions[-1] == ["Re: one", "two"]


async def test_sending_to_an_unknown_conversation_is_not_found(context, alice, snapshot):
    await init_chat(context, alice, InitChat())
    before = snapshot()

    with pytest.raises(ConversationNotFound):
        await send_message(context, alice, SendMessage("hi", conversation_id=uuid4()))

    assert snapshot() == before


async def test_sending_to_an_archived_conversation_is_refused_and_stores_nothing(
    context, alice, snapshot
):
    conversation_id = (await init_chat(context, alice, InitChat())).conversation.id
    archive = UpdateConversation(conversation_id, status=ConversationStatus.ARCHIVED)
    await update_conversation(context, alice, archive)
    before = snapshot()

    with pytest.raises(ConversationArchived):
        await send_message(context, alice, SendMessage("hi", conversation_id=conversation_id))

    assert snapshot() == before


@pytest.mark.parametrize("message", ["", "   \n\t", "nul\x00byte", "x" * 11])
async def test_an_unacceptable_message_is_refused_and_stores_nothing(
    context_with, alice, snapshot, message
):
    context = context_with(policy=ChatPolicy(max_message_chars=10))
    before = snapshot()

    with pytest.raises(InvalidContent):
        await send_message(context, alice, SendMessage(message))

    assert snapshot() == before


async def test_a_message_as_long_as_the_policy_allows_is_accepted(context_with, alice):
    context = context_with(policy=ChatPolicy(max_message_chars=10))

    turn = await send_message(context, alice, SendMessage("x" * 10))

    assert turn.user_message.content == "x" * 10


@pytest.fixture(params=["failing", "crashing", "too_slow"])
def unavailable_context(
    request, context_with, failing_assistant, crashing_assistant, blocking_assistant
):
    if request.param == "failing":
        return context_with(assistant=failing_assistant)
    if request.param == "crashing":
        return context_with(assistant=crashing_assistant)
    policy = ChatPolicy(assistant_timeout=timedelta(milliseconds=10))
    return context_with(assistant=blocking_assistant, policy=policy)


async def test_an_assistant_that_does_not_answer_is_unavailable_and_the_message_stays_stored(
    unavailable_context, alice, store
):
    with pytest.raises(AssistantUnavailable) as unavailable:
        await send_message(unavailable_context, alice, SendMessage("hello"))

    conversation_id = unavailable.value.conversation_id
    assert stored_messages(store, conversation_id) == [unavailable.value.user_message]
    assert unavailable.value.user_message.content == "hello"
    assert store.conversations[conversation_id].message_count == 1


@pytest.mark.parametrize(
    "reply", ["", "  \n ", "nul\x00byte", "x" * 100_001], ids=["empty", "blank", "nul", "huge"]
)
async def test_an_unstorable_reply_is_an_assistant_failure_and_the_message_stays_stored(
    context_with, assistant_saying, alice, store, reply
):
    context = context_with(assistant=assistant_saying(reply))

    with pytest.raises(AssistantUnavailable) as unavailable:
        await send_message(context, alice, SendMessage("hello"))

    conversation_id = unavailable.value.conversation_id
    assert stored_messages(store, conversation_id) == [unavailable.value.user_message]
