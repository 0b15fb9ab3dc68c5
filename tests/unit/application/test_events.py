"""Domain events reach the publisher only for what was committed."""

import pytest

from application.errors import AssistantUnavailable, IdempotencyConflict
from application.use_cases.chat_sessions import end_chat_session
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message
from domain.errors import InvalidContent, InvalidTitle
from domain.events import (
    AgentProvisioned,
    ChatSessionEnded,
    ChatSessionStarted,
    ConversationStarted,
    MessagePosted,
    ParticipantJoined,
)
from domain.roles import Role


def kinds(events):
    return [type(event) for event in events]


async def test_a_new_chat_publishes_the_conversation_its_participants_and_session(
    context, alice, publisher
):
    started = await init_chat(context, alice, InitChat())

    assert kinds(publisher.events) == [
        AgentProvisioned,
        ConversationStarted,
        ParticipantJoined,
        ParticipantJoined,
        ChatSessionStarted,
    ]
    joined = [e for e in publisher.events if isinstance(e, ParticipantJoined)]
    assert {e.role for e in joined} == {Role.ISO_AGENT, Role.AI_ASSISTANT}
    assert {e.conversation_id for e in joined} == {started.conversation.id}


async def test_a_first_message_publishes_its_conversation_and_both_messages(
    context, alice, publisher, store
):
    await send_message(context, alice, SendMessage("hello"))

    assert kinds(publisher.events) == [
        AgentProvisioned,
        ConversationStarted,
        ParticipantJoined,
        ParticipantJoined,
        MessagePosted,
        ChatSessionStarted,
        MessagePosted,
    ]
    posted = [e for e in publisher.events if isinstance(e, MessagePosted)]
    assert [(e.sequence, e.role) for e in posted] == [(1, Role.ISO_AGENT), (2, Role.AI_ASSISTANT)]
    assert all(e.message_id in store.messages_by_id for e in posted)


async def test_every_event_is_published_once(context, alice, publisher):
    started = await init_chat(context, alice, InitChat())
    published = len(publisher.events)

    await send_message(context, alice, SendMessage("hi", conversation_id=started.conversation.id))

    assert kinds(publisher.events[published:]) == [MessagePosted, MessagePosted]


async def test_ending_a_session_publishes_that_it_ended(context, alice, publisher):
    started = await init_chat(context, alice, InitChat())

    await end_chat_session(context, alice, started.chat_session.id)

    assert kinds(publisher.events)[-1] is ChatSessionEnded


@pytest.mark.parametrize(
    "use_case",
    [
        lambda context, who: init_chat(context, who, InitChat(title="")),
        lambda context, who: send_message(context, who, SendMessage("  ")),
    ],
    ids=["init_chat", "send_message"],
)
async def test_a_use_case_that_failed_publishes_nothing(context, alice, publisher, use_case):
    with pytest.raises((InvalidTitle, InvalidContent)):
        await use_case(context, alice)

    assert publisher.events == []


async def test_an_idempotency_conflict_publishes_nothing(context, alice, publisher):
    await send_message(context, alice, SendMessage("hi", client_message_id="k"))
    published = len(publisher.events)

    with pytest.raises(IdempotencyConflict):
        await send_message(context, alice, SendMessage("other", client_message_id="k"))

    assert len(publisher.events) == published


async def test_an_assistant_failure_publishes_only_the_stored_message(
    context_with, failing_assistant, alice, publisher
):
    with pytest.raises(AssistantUnavailable):
        await send_message(context_with(assistant=failing_assistant), alice, SendMessage("hi"))

    posted = [e for e in publisher.events if isinstance(e, MessagePosted)]
    assert [e.role for e in posted] == [Role.ISO_AGENT]
