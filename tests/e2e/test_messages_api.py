"""`GET /api/conversations/{id}/messages`: pages in sequence order, backwards and forwards."""

import pytest

from e2e.conftest import bearer
from e2e.helpers import Client, assert_message, assert_problem, messages_of, sent


def conversation_of_ten_messages(client: Client) -> str:
    """A conversation of alice's whose messages have sequences 1..10."""
    conversation_id: str = sent(client, "alice", "m1")["conversation"]["id"]
    for n in range(2, 6):
        sent(client, "alice", f"m{n}", conversation_id=conversation_id)
    return conversation_id


def sequences(page: dict[str, object]) -> list[int]:
    items = page["items"]
    assert isinstance(items, list)
    return [item["sequence"] for item in items]


@pytest.fixture
def conversation_id(client: Client) -> str:
    return conversation_of_ten_messages(client)


def test_without_bounds_the_newest_messages_come_in_ascending_order(
    client: Client, conversation_id: str
) -> None:
    page = messages_of(client, "alice", conversation_id)

    assert set(page) == {"items", "has_more"}
    assert sequences(page) == list(range(1, 11))
    assert page["has_more"] is False
    for item in page["items"]:
        assert_message(item)
    contents = [m["content"] for m in page["items"]]
    assert contents[:4] == ["m1", "Echo: m1", "m2", "Echo: m2"]
    roles = [m["role"] for m in page["items"]]
    assert roles == ["iso_agent", "ai_assistant"] * 5


def test_a_limit_gives_the_newest_messages_and_says_older_ones_exist(
    client: Client, conversation_id: str
) -> None:
    page = messages_of(client, "alice", conversation_id, limit=3)

    assert sequences(page) == [8, 9, 10]
    assert page["has_more"] is True


def test_before_gives_the_newest_messages_below_it(client: Client, conversation_id: str) -> None:
    page = messages_of(client, "alice", conversation_id, limit=3, before=8)

    assert sequences(page) == [5, 6, 7]
    assert page["has_more"] is True


def test_before_near_the_start_says_no_older_messages_exist(
    client: Client, conversation_id: str
) -> None:
    page = messages_of(client, "alice", conversation_id, limit=3, before=4)

    assert sequences(page) == [1, 2, 3]
    assert page["has_more"] is False


def test_before_one_is_an_empty_page(client: Client, conversation_id: str) -> None:
    page = messages_of(client, "alice", conversation_id, before=1)

    assert page == {"items": [], "has_more": False}


def test_after_gives_the_oldest_messages_above_it_and_says_newer_ones_exist(
    client: Client, conversation_id: str
) -> None:
    page = messages_of(client, "alice", conversation_id, limit=3, after=2)

    assert sequences(page) == [3, 4, 5]
    assert page["has_more"] is True


def test_after_zero_starts_at_the_first_message(client: Client, conversation_id: str) -> None:
    page = messages_of(client, "alice", conversation_id, limit=2, after=0)

    assert sequences(page) == [1, 2]
    assert page["has_more"] is True


def test_after_near_the_end_says_no_newer_messages_exist(
    client: Client, conversation_id: str
) -> None:
    page = messages_of(client, "alice", conversation_id, limit=3, after=7)

    assert sequences(page) == [8, 9, 10]
    assert page["has_more"] is False


def test_after_the_last_message_is_an_empty_page(client: Client, conversation_id: str) -> None:
    page = messages_of(client, "alice", conversation_id, after=10)

    assert page == {"items": [], "has_more": False}


def test_paging_backwards_with_before_walks_the_whole_conversation_once(
    client: Client, conversation_id: str
) -> None:
    seen: list[int] = []
    page = messages_of(client, "alice", conversation_id, limit=4)
    seen = sequences(page) + seen
    while page["has_more"]:
        page = messages_of(client, "alice", conversation_id, limit=4, before=seen[0])
        seen = sequences(page) + seen

    assert seen == list(range(1, 11))


def test_catching_up_with_after_sees_a_message_posted_since(
    client: Client, conversation_id: str
) -> None:
    latest = messages_of(client, "alice", conversation_id, limit=1)["items"][-1]["sequence"]
    sent(client, "alice", "new", conversation_id=conversation_id)

    page = messages_of(client, "alice", conversation_id, after=latest)

    assert [m["content"] for m in page["items"]] == ["new", "Echo: new"]
    assert sequences(page) == [11, 12]


INVALID_QUERIES: dict[str, tuple[dict[str, str], str]] = {
    "before and after together": ({"before": "3", "after": "1"}, "before"),
    "limit 0": ({"limit": "0"}, "limit"),
    "limit 201": ({"limit": "201"}, "limit"),
    "limit not a number": ({"limit": "lots"}, "limit"),
    "before 0": ({"before": "0"}, "before"),
    "negative after": ({"after": "-1"}, "after"),
    "after not a number": ({"after": "soon"}, "after"),
}


def test_a_message_query_that_does_not_validate_is_refused_naming_the_parameter(
    client: Client, conversation_id: str, subtests: pytest.Subtests
) -> None:
    for case, (query, named) in INVALID_QUERIES.items():
        with subtests.test(case):
            response = client.get(
                f"/api/conversations/{conversation_id}/messages",
                params=query,
                headers=bearer("alice"),
            )

            problem = assert_problem(response, 400, "invalid_request")
            assert named in problem["detail"]


def test_the_largest_page_of_messages_is_accepted(client: Client, conversation_id: str) -> None:
    assert sequences(messages_of(client, "alice", conversation_id, limit=200)) == list(range(1, 11))


def test_the_messages_of_an_unknown_or_malformed_conversation_are_not_found(
    client: Client,
) -> None:
    for conversation_id in ("c6bdc2a4-7f4e-4b6f-8a61-0d9f0f2c1b3e", "not-a-uuid"):
        response = client.get(
            f"/api/conversations/{conversation_id}/messages", headers=bearer("alice")
        )

        assert_problem(response, 404, "conversation_not_found")


def test_the_default_page_holds_the_newest_fifty_messages(client: Client) -> None:
    conversation_id = sent(client, "alice", "m1")["conversation"]["id"]
    for n in range(2, 27):
        sent(client, "alice", f"m{n}", conversation_id=conversation_id)

    page = messages_of(client, "alice", conversation_id)

    assert sequences(page) == list(range(3, 53))
    assert page["has_more"] is True
