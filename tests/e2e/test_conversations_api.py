"""`/api/conversations`: reading one, renaming and archiving it, and paging through the list."""

import base64
from datetime import datetime

import pytest

from e2e.conftest import bearer
from e2e.helpers import (
    Client,
    Json,
    archive,
    assert_conversation,
    assert_problem,
    conversation_of,
    listed_ids,
    patched,
    sent,
    started,
)


def new_conversations(client: Client, user: str, count: int) -> list[str]:
    """`count` conversations of `user`, oldest first."""
    return [started(client, user)["conversation"]["id"] for _ in range(count)]


def walk(client: Client, user: str, limit: int, **query: str) -> list[list[str]]:
    """Every page of `user`'s list, following `next_cursor` to the end."""
    pages: list[list[str]] = []
    params: dict[str, str] = {"limit": str(limit), **query}
    while True:
        response = client.get("/api/conversations", params=params, headers=bearer(user))
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        pages.append([item["id"] for item in body["items"]])
        if body["next_cursor"] is None:
            return pages
        params = {**params, "cursor": body["next_cursor"]}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_conversation_is_read_with_its_members_and_the_callers_active_session(
    client: Client,
) -> None:
    turn = sent(client, "alice", "hi")

    conversation = conversation_of(client, "alice", turn["conversation"]["id"])

    assert_conversation(conversation)
    assert conversation["id"] == turn["conversation"]["id"]
    assert conversation["message_count"] == 2
    assert conversation["last_message_at"] == turn["assistant_message"]["created_at"]
    assert conversation["active_chat_session"] == turn["chat_session"]
    assert conversation["participants"] == turn["conversation"]["participants"]


def test_the_list_holds_full_conversations_most_recent_activity_first(client: Client) -> None:
    oldest, middle, newest = new_conversations(client, "alice", 3)

    response = client.get("/api/conversations", headers=bearer("alice"))

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    for item in body["items"]:
        assert_conversation(item)
        assert item["active_chat_session"] is not None
    assert [item["id"] for item in body["items"]] == [newest, middle, oldest]


def test_walking_the_pages_gives_every_conversation_exactly_once_in_order(client: Client) -> None:
    created = new_conversations(client, "alice", 7)

    pages = walk(client, "alice", limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [c for page in pages for c in page] == list(reversed(created))


def test_a_page_exactly_as_long_as_what_is_left_ends_the_walk(client: Client) -> None:
    created = new_conversations(client, "alice", 4)

    pages = walk(client, "alice", limit=2)

    assert pages == [list(reversed(created[2:])), list(reversed(created[:2]))]


def test_a_conversation_that_gets_a_message_moves_to_the_front(client: Client) -> None:
    oldest, middle, newest = new_conversations(client, "alice", 3)

    sent(client, "alice", "bump", conversation_id=oldest)

    assert listed_ids(client, "alice") == [oldest, newest, middle]


def test_a_rename_does_not_move_a_conversation(client: Client) -> None:
    oldest, middle, newest = new_conversations(client, "alice", 3)

    patched(client, "alice", oldest, title="renamed")

    assert listed_ids(client, "alice") == [newest, middle, oldest]


def test_while_paging_a_conversation_that_moves_to_the_front_is_not_seen_twice(
    client: Client,
) -> None:
    c1, c2, c3, c4, c5, c6 = new_conversations(client, "alice", 6)
    first = client.get("/api/conversations", params={"limit": 2}, headers=bearer("alice")).json()
    assert [item["id"] for item in first["items"]] == [c6, c5]

    sent(client, "alice", "bump", conversation_id=c2)
    rest = walk(client, "alice", limit=2, cursor=first["next_cursor"])

    assert [c for page in rest for c in page] == [c4, c3, c1]
    assert listed_ids(client, "alice") == [c2, c6, c5, c4, c3, c1]


def test_the_list_shows_active_conversations_unless_told_otherwise(client: Client) -> None:
    kept, archived = new_conversations(client, "alice", 2)
    archive(client, "alice", archived)

    assert listed_ids(client, "alice") == [kept]
    assert listed_ids(client, "alice", status="active") == [kept]
    assert listed_ids(client, "alice", status="archived") == [archived]
    assert sorted(listed_ids(client, "alice", status="all")) == sorted([kept, archived])


def cursor_of(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


INVALID_LIST_QUERIES: dict[str, dict[str, str]] = {
    "limit 0": {"limit": "0"},
    "limit 101": {"limit": "101"},
    "negative limit": {"limit": "-1"},
    "limit not a number": {"limit": "many"},
    "unknown status": {"status": "deleted"},
    "cursor not base64": {"cursor": "not a cursor!"},
    "cursor of the wrong shape": {"cursor": cursor_of(b"[1, 2, 3]")},
    "cursor with a bad id": {"cursor": cursor_of(b'["2026-01-01T00:00:00Z", "x"]')},
    "cursor without a time zone": {
        "cursor": cursor_of(b'["2026-01-01T00:00:00", "2c0c5b53-8a51-4d6a-bb8e-5d2b0d1ef0a4"]')
    },
    "cursor not JSON": {"cursor": cursor_of(b"\xff\xfe")},
}


def test_a_list_query_that_does_not_validate_is_refused_naming_the_parameter(
    client: Client, subtests: pytest.Subtests
) -> None:
    new_conversations(client, "alice", 1)

    for case, query in INVALID_LIST_QUERIES.items():
        with subtests.test(case):
            response = client.get("/api/conversations", params=query, headers=bearer("alice"))

            problem = assert_problem(response, 400, "invalid_request")
            assert next(iter(query)) in problem["detail"]


def test_the_largest_page_is_accepted(client: Client) -> None:
    created = new_conversations(client, "alice", 2)

    assert sorted(listed_ids(client, "alice", limit=100)) == sorted(created)


def test_a_conversation_is_renamed_and_its_title_cleared(client: Client) -> None:
    chat = started(client, "alice", title="first")["conversation"]

    renamed = patched(client, "alice", chat["id"], title="second")
    cleared = patched(client, "alice", chat["id"], title=None)

    assert_conversation(renamed)
    assert renamed["title"] == "second"
    assert moment(renamed["updated_at"]) > moment(chat["updated_at"])
    assert cleared["title"] is None
    assert conversation_of(client, "alice", chat["id"])["title"] is None


def test_a_conversation_is_archived_and_brought_back(client: Client) -> None:
    conversation_id = sent(client, "alice", "hi")["conversation"]["id"]

    archived = archive(client, "alice", conversation_id)
    restored = patched(client, "alice", conversation_id, status="active")

    assert archived["status"] == "archived"
    assert restored["status"] == "active"
    assert restored["message_count"] == 2
    assert (
        sent(client, "alice", "back", conversation_id=conversation_id)["user_message"]["sequence"]
        == 3
    )


def test_an_archived_conversation_may_still_be_renamed(client: Client) -> None:
    conversation_id = started(client, "alice")["conversation"]["id"]
    archive(client, "alice", conversation_id)

    renamed = patched(client, "alice", conversation_id, title="kept for later")

    assert renamed["title"] == "kept for later"
    assert renamed["status"] == "archived"


def test_title_and_status_change_together(client: Client) -> None:
    conversation_id = started(client, "alice")["conversation"]["id"]

    changed = patched(client, "alice", conversation_id, title="done", status="archived")

    assert (changed["title"], changed["status"]) == ("done", "archived")


INVALID_CHANGES: dict[str, Json] = {
    "empty body": {},
    "empty title": {"title": ""},
    "title too long": {"title": "x" * 201},
    "title with U+0000": {"title": "nul \u0000 inside"},
    "unknown status": {"status": "deleted"},
    "null status": {"status": None},
    "server-owned message_count": {"title": "ok", "message_count": 0},
    "server-owned participants": {"participants": []},
    "server-owned created_at": {"created_at": "2020-01-01T00:00:00Z"},
}


def test_a_change_that_does_not_validate_is_refused_and_changes_nothing(
    client: Client, subtests: pytest.Subtests
) -> None:
    before = started(client, "alice", title="unchanged")["conversation"]

    for case, body in INVALID_CHANGES.items():
        with subtests.test(case):
            response = client.patch(
                f"/api/conversations/{before['id']}", json=body, headers=bearer("alice")
            )

            assert_problem(response, 400, "invalid_request")
            after = conversation_of(client, "alice", before["id"])
            assert (after["title"], after["status"], after["updated_at"]) == (
                before["title"],
                before["status"],
                before["updated_at"],
            )


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_an_unknown_or_malformed_conversation_id_is_not_found(client: Client, method: str) -> None:
    for conversation_id in ("2c0c5b53-8a51-4d6a-bb8e-5d2b0d1ef0a4", "12345", "zzz"):
        response = client.request(
            method,
            f"/api/conversations/{conversation_id}",
            json={"title": "x"} if method == "PATCH" else None,
            headers=bearer("alice"),
        )

        assert_problem(response, 404, "conversation_not_found")


def test_the_default_page_holds_twenty_conversations(client: Client) -> None:
    created = new_conversations(client, "alice", 21)

    first = client.get("/api/conversations", headers=bearer("alice")).json()

    assert [item["id"] for item in first["items"]] == list(reversed(created))[:20]
    assert first["next_cursor"] is not None
    rest = walk(client, "alice", limit=20, cursor=first["next_cursor"])
    assert rest == [[created[0]]]
