from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import ConversationNotFound
from application.use_cases.chat_sessions import end_chat_session
from application.use_cases.conversations import (
    NewTitle,
    UpdateConversation,
    get_conversation,
    update_conversation,
)
from application.use_cases.init_chat import InitChat, init_chat
from domain.conversation import ConversationStatus
from domain.errors import InvalidTitle

ARCHIVED, ACTIVE = ConversationStatus.ARCHIVED, ConversationStatus.ACTIVE


@pytest.fixture
async def started(context, alice):
    return await init_chat(context, alice, InitChat(title="Plans"))


async def test_a_conversation_is_shown_with_its_participants_and_the_callers_session(
    context, alice, started
):
    view = await get_conversation(context, alice, started.conversation.id)

    assert view.conversation.participants == started.conversation.participants
    assert view.active_chat_session.id == started.chat_session.id


async def test_a_conversation_shows_no_session_once_the_caller_ended_it(context, alice, started):
    await end_chat_session(context, alice, started.chat_session.id)

    view = await get_conversation(context, alice, started.conversation.id)

    assert view.active_chat_session is None


async def test_an_unknown_conversation_is_not_found(context, alice, started):
    with pytest.raises(ConversationNotFound):
        await get_conversation(context, alice, uuid4())


async def test_a_conversation_can_be_renamed(context, alice, store, clock, started):
    clock.advance(timedelta(minutes=5))
    rename = UpdateConversation(started.conversation.id, title=NewTitle("Trip"))

    view = await update_conversation(context, alice, rename)

    assert view.conversation.title == store.conversations[rename.conversation_id].title == "Trip"
    assert view.conversation.updated_at == clock.now()


async def test_a_title_can_be_cleared(context, alice, store, started):
    clear = UpdateConversation(started.conversation.id, title=NewTitle(None))

    await update_conversation(context, alice, clear)

    assert store.conversations[clear.conversation_id].title is None


async def test_a_conversation_can_be_archived_and_unarchived(context, alice, store, started):
    conversation_id = started.conversation.id

    await update_conversation(context, alice, UpdateConversation(conversation_id, status=ARCHIVED))
    archived = store.conversations[conversation_id].status
    await update_conversation(context, alice, UpdateConversation(conversation_id, status=ACTIVE))

    assert (archived, store.conversations[conversation_id].status) == (ARCHIVED, ACTIVE)


async def test_an_archived_conversation_can_be_renamed(context, alice, store, started):
    conversation_id = started.conversation.id
    await update_conversation(context, alice, UpdateConversation(conversation_id, status=ARCHIVED))

    await update_conversation(context, alice, UpdateConversation(conversation_id, NewTitle("Old")))

    kept = store.conversations[conversation_id]
    assert (kept.title, kept.status) == ("Old", ARCHIVED)


async def test_a_bad_title_is_refused_and_changes_nothing(context, alice, snapshot, started):
    before = snapshot()

    with pytest.raises(InvalidTitle):
        await update_conversation(
            context, alice, UpdateConversation(started.conversation.id, title=NewTitle(""))
        )

    assert snapshot() == before


async def test_updating_an_unknown_conversation_is_not_found(context, alice, snapshot, started):
    before = snapshot()

    with pytest.raises(ConversationNotFound):
        await update_conversation(context, alice, UpdateConversation(uuid4(), status=ARCHIVED))

    assert snapshot() == before
