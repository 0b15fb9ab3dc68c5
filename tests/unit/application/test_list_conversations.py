from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.assistant.echo import EchoAssistant
from adapters.memory.clock import ManualClock
from adapters.memory.events import RecordingPublisher
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.context import UseCaseContext
from application.errors import InvalidRequest
from application.policy import ChatPolicy
from application.principal import Principal
from application.use_cases.conversations import (
    ConversationFilter,
    ListConversations,
    NewTitle,
    UpdateConversation,
    list_conversations,
    update_conversation,
)
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message
from domain.conversation import ConversationStatus


async def start_chats(context, principal, count, *, every=timedelta(seconds=1)):
    """Start `count` chats, `every` apart; their ids, oldest first."""
    ids = []
    for _ in range(count):
        context.clock.advance(every)
        ids.append((await init_chat(context, principal, InitChat())).conversation.id)
    return ids


async def every_page(context, principal, limit, status=ConversationFilter.ACTIVE):
    pages, cursor = [], None
    while True:
        query = ListConversations(limit=limit, after=cursor, status=status)
        page = await list_conversations(context, principal, query)
        pages.append([view.conversation.id for view in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


async def listed(context, principal, status=ConversationFilter.ACTIVE):
    query = ListConversations(limit=100, status=status)
    return [v.conversation.id for v in (await list_conversations(context, principal, query)).items]


async def test_conversations_are_listed_most_recent_activity_first(context, alice):
    ids = await start_chats(context, alice, 3)

    assert await listed(context, alice) == ids[::-1]


async def test_paging_gives_every_conversation_once_in_order(context, alice):
    ids = await start_chats(context, alice, 7)

    pages = await every_page(context, alice, limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == ids[::-1]


async def test_paging_through_conversations_of_equal_activity_neither_repeats_nor_skips(
    context, alice
):
    ids = await start_chats(context, alice, 5, every=timedelta(0))

    pages = await every_page(context, alice, limit=2)

    assert sorted(i for page in pages for i in page) == sorted(ids)


async def test_a_last_full_page_has_no_next_cursor(context, alice):
    await start_chats(context, alice, 4)

    pages = await every_page(context, alice, limit=2)

    assert [len(page) for page in pages] == [2, 2]


async def test_a_caller_without_conversations_gets_an_empty_page(context, alice):
    page = await list_conversations(context, alice, ListConversations())

    assert (page.items, page.next_cursor) == ([], None)


async def test_a_rename_does_not_move_a_conversation(context, alice, clock):
    ids = await start_chats(context, alice, 3)
    clock.advance(timedelta(minutes=1))

    await update_conversation(context, alice, UpdateConversation(ids[0], title=NewTitle("Old")))

    assert await listed(context, alice) == ids[::-1]


async def test_a_new_message_moves_a_conversation_to_the_front(context, alice, clock):
    ids = await start_chats(context, alice, 3)
    clock.advance(timedelta(minutes=1))

    await send_message(context, alice, SendMessage("back again", conversation_id=ids[0]))

    assert await listed(context, alice) == [ids[0], ids[2], ids[1]]


async def test_a_conversation_moving_to_the_front_while_paging_leaves_the_others_in_place(
    context, alice, clock
):
    ids = await start_chats(context, alice, 6)
    first = await list_conversations(context, alice, ListConversations(limit=2))
    clock.advance(timedelta(minutes=1))
    await send_message(context, alice, SendMessage("news", conversation_id=ids[0]))

    rest = await list_conversations(
        context, alice, ListConversations(limit=100, after=first.next_cursor)
    )

    seen = [v.conversation.id for v in [*first.items, *rest.items]]
    assert seen == [ids[5], ids[4], ids[3], ids[2], ids[1]]


@pytest.fixture
async def one_archived(context, alice):
    active, archived = await start_chats(context, alice, 2)
    archive = UpdateConversation(archived, status=ConversationStatus.ARCHIVED)
    await update_conversation(context, alice, archive)
    return active, archived


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ConversationFilter.ACTIVE, ["active"]),
        (ConversationFilter.ARCHIVED, ["archived"]),
        (ConversationFilter.ALL, ["archived", "active"]),
    ],
)
async def test_the_status_filter_chooses_which_conversations_are_listed(
    context, alice, one_archived, status, expected
):
    names = dict(zip(one_archived, ["active", "archived"], strict=True))

    found = await listed(context, alice, status)

    assert [names[conversation_id] for conversation_id in found] == expected


async def test_listed_conversations_carry_the_callers_active_session(context, alice):
    started = await init_chat(context, alice, InitChat())

    page = await list_conversations(context, alice, ListConversations())

    assert page.items[0].active_chat_session.id == started.chat_session.id


@pytest.mark.parametrize("limit", [0, -1, 101])
async def test_a_limit_outside_one_to_a_hundred_is_an_invalid_request(context, alice, limit):
    with pytest.raises(InvalidRequest, match="limit"):
        await list_conversations(context, alice, ListConversations(limit=limit))


@pytest.mark.parametrize("limit", [1, 100])
async def test_a_limit_of_one_to_a_hundred_is_accepted(context, alice, limit):
    await start_chats(context, alice, 2)

    page = await list_conversations(context, alice, ListConversations(limit=limit))

    assert len(page.items) == min(limit, 2)


@settings(max_examples=25, deadline=None)
@given(
    gaps=st.lists(st.sampled_from([0, 1, 60]), min_size=1, max_size=12),
    limit=st.integers(min_value=1, max_value=5),
)
async def test_paging_at_any_size_gives_every_conversation_once_newest_first(gaps, limit):
    store, clock = MemoryStore(), ManualClock()
    context = UseCaseContext(
        lambda: MemoryUnitOfWork(store, RecordingPublisher()), clock, EchoAssistant(), ChatPolicy()
    )
    alice = Principal("alice")
    for gap in gaps:
        await start_chats(context, alice, 1, every=timedelta(seconds=gap))

    pages = await every_page(context, alice, limit)

    seen = [store.conversations[i] for page in pages for i in page]
    assert len({c.id for c in seen}) == len(seen) == len(gaps)
    assert all(len(page) == limit for page in pages[:-1])
    activity = [c.last_activity_at for c in seen]
    assert activity == sorted(activity, reverse=True)
