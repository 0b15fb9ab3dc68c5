"""A conversation or chat session that is not the caller's does not exist for the caller."""

import pytest

from application.errors import ChatSessionNotFound, ConversationNotFound
from application.use_cases.chat_sessions import end_chat_session, get_chat_session
from application.use_cases.conversations import (
    ConversationFilter,
    ListConversations,
    NewTitle,
    UpdateConversation,
    get_conversation,
    list_conversations,
    update_conversation,
)
from application.use_cases.messages import ListMessages, list_messages
from application.use_cases.reply import AskForReply, ask_for_reply
from application.use_cases.send_message import SendMessage, send_message
from domain.conversation import ConversationStatus


@pytest.fixture
async def alices(context, alice):
    """A conversation of alice's with one answered message."""
    return await send_message(context, alice, SendMessage("my secret"))


CONVERSATION_USE_CASES = {
    "get_conversation": get_conversation,
    "rename": lambda ctx, who, cid: update_conversation(
        ctx, who, UpdateConversation(cid, title=NewTitle("mine now"))
    ),
    "archive": lambda ctx, who, cid: update_conversation(
        ctx, who, UpdateConversation(cid, status=ConversationStatus.ARCHIVED)
    ),
    "list_messages": lambda ctx, who, cid: list_messages(ctx, who, ListMessages(cid)),
    "ask_for_reply": lambda ctx, who, cid: ask_for_reply(ctx, who, AskForReply(cid)),
    "send_message": lambda ctx, who, cid: send_message(
        ctx, who, SendMessage("let me in", conversation_id=cid)
    ),
}


@pytest.mark.parametrize("use_case", CONVERSATION_USE_CASES.values(), ids=CONVERSATION_USE_CASES)
async def test_another_agent_finds_no_conversation_and_changes_nothing(
    context, bob, snapshot, alices, use_case
):
    before = snapshot()

    with pytest.raises(ConversationNotFound):
        await use_case(context, bob, alices.conversation.id)

    assert snapshot() == before


@pytest.mark.parametrize("status", list(ConversationFilter))
async def test_another_agent_never_sees_the_conversation_in_its_lists(context, bob, alices, status):
    await send_message(context, bob, SendMessage("my own"))

    page = await list_conversations(context, bob, ListConversations(status=status))

    assert alices.conversation.id not in [view.conversation.id for view in page.items]


SESSION_USE_CASES = {"get_chat_session": get_chat_session, "end_chat_session": end_chat_session}


@pytest.mark.parametrize("use_case", SESSION_USE_CASES.values(), ids=SESSION_USE_CASES)
async def test_another_agent_finds_no_chat_session_and_cannot_end_it(
    context, bob, store, alices, use_case
):
    with pytest.raises(ChatSessionNotFound):
        await use_case(context, bob, alices.chat_session.id)

    assert store.chat_sessions[alices.chat_session.id].is_active


async def test_another_agent_reusing_a_client_message_id_starts_its_own_turn(
    context, alice, bob, store
):
    first = await send_message(context, alice, SendMessage("hi", client_message_id="same"))

    theirs = await send_message(context, bob, SendMessage("hi", client_message_id="same"))

    assert theirs.created
    assert theirs.conversation.id != first.conversation.id
    assert len(store.messages_by_id) == 4


async def test_another_agent_cannot_retry_into_a_conversation_through_a_client_message_id(
    context, alice, bob
):
    first = await send_message(context, alice, SendMessage("hi", client_message_id="same"))
    retry = SendMessage("hi", conversation_id=first.conversation.id, client_message_id="same")

    with pytest.raises(ConversationNotFound):
        await send_message(context, bob, retry)
