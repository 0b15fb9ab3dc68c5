"""Sends that arrive at once keep a conversation's order whole."""

import asyncio

import pytest

from application.principal import Principal
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message
from domain.roles import Role

SENDS = 50


@pytest.fixture(params=[False, True], ids=["atomic-writes", "interleaved-writes"])
def racing_context(request, context_with, faulty_writes, counting_assistant):
    return context_with(assistant=counting_assistant, writes=faulty_writes(pause=request.param))


async def test_concurrent_sends_to_one_conversation_get_gapless_sequences(
    racing_context, counting_assistant, alice, store
):
    started = await init_chat(racing_context, alice, InitChat())
    conversation_id = started.conversation.id

    async with asyncio.timeout(5):
        await asyncio.gather(
            *(
                send_message(racing_context, alice, SendMessage(f"m{n}", conversation_id))
                for n in range(SENDS)
            )
        )

    messages = store.messages[conversation_id]
    assert [m.sequence for m in messages] == list(range(1, 2 * SENDS + 1))
    assert store.conversations[conversation_id].message_count == 2 * SENDS
    assert store.chat_sessions[started.chat_session.id].message_count == 2 * SENDS
    assert counting_assistant.calls == SENDS


async def test_every_concurrent_message_gets_exactly_one_reply(racing_context, alice, store):
    started = await init_chat(racing_context, alice, InitChat())
    conversation_id = started.conversation.id

    async with asyncio.timeout(5):
        await asyncio.gather(
            *(
                send_message(racing_context, alice, SendMessage(f"m{n}", conversation_id))
                for n in range(SENDS)
            )
        )

    messages = store.messages[conversation_id]
    asked = {m.id: m for m in messages if m.role is Role.ISO_AGENT}
    replies = [m for m in messages if m.role is Role.AI_ASSISTANT]
    assert sorted(r.reply_to for r in replies) == sorted(asked)
    assert all(r.content == f"Re: {asked[r.reply_to].content}" for r in replies)
    assert all(asked[r.reply_to].sequence < r.sequence for r in replies)


async def test_first_messages_of_a_new_agent_sent_at_once_provision_it_once(racing_context, store):
    newcomer = Principal("newcomer")

    async with asyncio.timeout(5):
        turns = await asyncio.gather(
            *(send_message(racing_context, newcomer, SendMessage(f"m{n}")) for n in range(10))
        )

    assert len(store.agents) == 1
    assert len({turn.conversation.id for turn in turns}) == len(store.conversations) == 10
    assert {turn.chat_session.agent_id for turn in turns} == set(store.agents)
