from uuid import uuid4

import pytest

from application.errors import InvalidRequest
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.messages import ListMessages, list_messages
from application.use_cases.send_message import SendMessage, send_message


@pytest.fixture
async def conversation_id(context, alice):
    """A conversation of ten messages: five of alice's, each answered."""
    started = await init_chat(context, alice, InitChat())
    for n in range(5):
        command = SendMessage(f"message {n}", conversation_id=started.conversation.id)
        await send_message(context, alice, command)
    return started.conversation.id


async def page_of(context, principal, conversation_id, **query):
    page = await list_messages(context, principal, ListMessages(conversation_id, **query))
    return [m.sequence for m in page.items], page.has_more


@pytest.mark.parametrize(
    ("query", "sequences", "has_more"),
    [
        ({}, list(range(1, 11)), False),
        ({"limit": 4}, [7, 8, 9, 10], True),
        ({"limit": 10}, list(range(1, 11)), False),
        ({"limit": 3, "before": 5}, [2, 3, 4], True),
        ({"limit": 3, "before": 4}, [1, 2, 3], False),
        ({"before": 1}, [], False),
        ({"limit": 3, "before": 99}, [8, 9, 10], True),
    ],
    ids=["all", "newest", "exactly-all", "before", "before-first-page", "before-1", "before-end"],
)
async def test_newest_messages_come_in_ascending_order_with_older_ones_flagged(
    context, alice, conversation_id, query, sequences, has_more
):
    assert await page_of(context, alice, conversation_id, **query) == (sequences, has_more)


@pytest.mark.parametrize(
    ("query", "sequences", "has_more"),
    [
        ({"after": 0, "limit": 3}, [1, 2, 3], True),
        ({"after": 6, "limit": 3}, [7, 8, 9], True),
        ({"after": 7, "limit": 3}, [8, 9, 10], False),
        ({"after": 10}, [], False),
    ],
    ids=["from-start", "middle", "last-page", "caught-up"],
)
async def test_messages_after_a_sequence_are_the_oldest_ones_with_newer_ones_flagged(
    context, alice, conversation_id, query, sequences, has_more
):
    assert await page_of(context, alice, conversation_id, **query) == (sequences, has_more)


async def test_an_empty_conversation_has_no_messages(context, alice):
    started = await init_chat(context, alice, InitChat())

    assert await page_of(context, alice, started.conversation.id) == ([], False)


@pytest.mark.parametrize("limit", [1, 200])
async def test_a_limit_of_one_to_two_hundred_is_accepted(context, alice, conversation_id, limit):
    sequences, _ = await page_of(context, alice, conversation_id, limit=limit)

    assert len(sequences) == min(limit, 10)


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 201},
        {"before": 5, "after": 2},
        {"before": 0},
        {"after": -1},
    ],
    ids=["limit-0", "limit-201", "before-and-after", "before-0", "after-negative"],
)
async def test_bad_paging_values_are_an_invalid_request(context, alice, conversation_id, query):
    with pytest.raises(InvalidRequest):
        await list_messages(context, alice, ListMessages(conversation_id, **query))


async def test_bad_paging_values_are_refused_before_the_conversation_is_looked_up(context, alice):
    with pytest.raises(InvalidRequest):
        await list_messages(context, alice, ListMessages(uuid4(), limit=0))
