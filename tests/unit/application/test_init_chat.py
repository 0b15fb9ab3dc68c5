import pytest

from application.use_cases.init_chat import InitChat, init_chat
from domain.chat_session import ChatSessionStatus
from domain.errors import InvalidTitle
from domain.roles import Role


async def test_a_new_chat_has_the_caller_and_the_assistant_as_participants(context, alice):
    started = await init_chat(context, alice, InitChat())

    participants = {p.role: p for p in started.conversation.participants}
    assert set(participants) == {Role.ISO_AGENT, Role.AI_ASSISTANT}
    assert participants[Role.ISO_AGENT].is_active
    assert participants[Role.ISO_AGENT].can_reply
    assert participants[Role.AI_ASSISTANT].agent_id is None


async def test_a_new_chat_is_stored_empty_with_its_title_and_participants(context, alice, store):
    started = await init_chat(context, alice, InitChat(title="Holiday plans"))

    kept = store.conversations[started.conversation.id]
    assert kept.title == "Holiday plans"
    assert kept.message_count == 0
    assert kept.participants == started.conversation.participants


async def test_a_new_chat_starts_an_empty_active_session_for_the_caller(context, alice, store):
    started = await init_chat(context, alice, InitChat())

    session = store.chat_sessions[started.chat_session.id]
    assert session.conversation_id == started.conversation.id
    assert session.agent_id == store.agent_by_external_id("alice").id
    assert session.status is ChatSessionStatus.ACTIVE
    assert session.message_count == 0


async def test_each_new_chat_is_a_conversation_of_its_own(context, alice, store):
    first = await init_chat(context, alice, InitChat())
    second = await init_chat(context, alice, InitChat())

    assert first.conversation.id != second.conversation.id
    assert len(store.conversations) == 2
    assert len(store.agents) == 1


@pytest.mark.parametrize("title", ["", "x" * 201, "nul\x00byte"])
async def test_a_new_chat_with_a_bad_title_is_refused_and_stores_nothing(
    context, alice, snapshot, title
):
    before = snapshot()

    with pytest.raises(InvalidTitle):
        await init_chat(context, alice, InitChat(title=title))

    assert snapshot() == before
