import pytest

from application.errors import AssistantUnavailable, NothingToReply
from application.use_cases.conversations import UpdateConversation, update_conversation
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.reply import AskForReply, ask_for_reply
from application.use_cases.send_message import SendMessage, send_message
from domain.conversation import ConversationStatus
from domain.errors import ConversationArchived
from domain.roles import Role


@pytest.fixture
async def unanswered(context_with, failing_assistant, alice):
    """A conversation whose only message the assistant failed to answer."""
    with pytest.raises(AssistantUnavailable) as unavailable:
        await send_message(context_with(assistant=failing_assistant), alice, SendMessage("hello"))
    return unavailable.value


async def test_asking_for_a_reply_answers_the_latest_message(context, alice, store, unanswered):
    given = await ask_for_reply(context, alice, AskForReply(unanswered.conversation_id))

    reply = given.assistant_message
    assert store.messages_by_id[reply.id] == reply
    assert (reply.sequence, reply.role, reply.content) == (2, Role.AI_ASSISTANT, "Echo: hello")
    assert reply.reply_to == unanswered.user_message.id
    assert given.created


async def test_a_reply_is_counted_in_the_callers_session(context, alice, unanswered):
    given = await ask_for_reply(context, alice, AskForReply(unanswered.conversation_id))

    assert given.chat_session.message_count == 2


async def test_asking_for_a_reply_in_an_empty_conversation_has_nothing_to_reply(
    context, alice, snapshot
):
    started = await init_chat(context, alice, InitChat())
    before = snapshot()

    with pytest.raises(NothingToReply):
        await ask_for_reply(context, alice, AskForReply(started.conversation.id))

    assert snapshot() == before


async def test_asking_for_a_reply_in_an_archived_conversation_is_refused(
    context, alice, snapshot, unanswered
):
    archive = UpdateConversation(unanswered.conversation_id, status=ConversationStatus.ARCHIVED)
    await update_conversation(context, alice, archive)
    before = snapshot()

    with pytest.raises(ConversationArchived):
        await ask_for_reply(context, alice, AskForReply(unanswered.conversation_id))

    assert snapshot() == before


async def test_an_assistant_failure_while_asking_again_stores_nothing(
    context_with, failing_assistant, alice, snapshot, unanswered
):
    before = snapshot()
    context = context_with(assistant=failing_assistant)

    with pytest.raises(AssistantUnavailable) as unavailable:
        await ask_for_reply(context, alice, AskForReply(unanswered.conversation_id))

    assert unavailable.value.conversation_id == unanswered.conversation_id
    assert unavailable.value.user_message == unanswered.user_message
    assert snapshot() == before


async def test_an_unstorable_reply_while_asking_again_is_an_assistant_failure(
    context_with, assistant_saying, alice, snapshot, unanswered
):
    before = snapshot()
    context = context_with(assistant=assistant_saying("   "))

    with pytest.raises(AssistantUnavailable):
        await ask_for_reply(context, alice, AskForReply(unanswered.conversation_id))

    assert snapshot() == before


async def test_an_archived_empty_conversation_is_archived_before_it_is_empty(context, alice):
    started = await init_chat(context, alice, InitChat())
    archive = UpdateConversation(started.conversation.id, status=ConversationStatus.ARCHIVED)
    await update_conversation(context, alice, archive)

    with pytest.raises(ConversationArchived):
        await ask_for_reply(context, alice, AskForReply(started.conversation.id))
