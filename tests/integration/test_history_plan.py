"""A page of history reads no more than the page, under row-level security, whatever the
planner knows of the conversation: analysed when long, or started and grown long since."""

import re
from collections.abc import Iterator, Mapping
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

from adapters.postgres.messages import NEWEST_PAGE, OLDEST_PAGE
from integration.plans import nodes

ALICE = UUID(int=0xA)
MESSAGES = 20_000
FETCHED = 51
OTHERS = 300
SHORT = 50
PAST_LAST_SEQUENCE = 2**62


@pytest.fixture
def conversations(clean_database: str) -> Iterator[dict[str, UUID]]:
    """Alice's conversations: one of 20k messages and 301 of 50, analysed; then one of 20k
    messages started since, which the planner's statistics do not know (with these figures
    the planner reckons it a few rows long: a page that does not bound its sequences at both
    ends is then read by its conversation alone and sorted)."""
    made = {"long": uuid4(), "new": uuid4(), "short": uuid4()}
    with psycopg.connect(clean_database, autocommit=True) as owner:
        # Else the statistics might learn of the new conversation before the test reads it.
        owner.execute("ALTER TABLE messages SET (autovacuum_enabled = false)")
    with psycopg.connect(clean_database) as owner:
        owner.execute(
            "INSERT INTO iso_agents (id, external_user_id, created_at) VALUES (%s, 'alice', now())",
            (ALICE,),
        )
        _start(owner, made["long"], MESSAGES)
        for short in [made["short"], *(uuid4() for _ in range(OTHERS))]:
            _start(owner, short, SHORT)
    with psycopg.connect(clean_database, autocommit=True) as owner:
        owner.execute("ANALYZE")
    with psycopg.connect(clean_database) as owner:
        _start(owner, made["new"], MESSAGES)
    yield made
    with psycopg.connect(clean_database, autocommit=True) as owner:
        owner.execute("ALTER TABLE messages RESET (autovacuum_enabled)")


def _start(owner: psycopg.Connection[Any], conversation: UUID, messages: int) -> None:
    """A conversation of Alice and the AI with `messages` messages."""
    owner.execute("SELECT set_config('app.agent_id', %s, true)", (str(ALICE),))
    owner.execute(
        "INSERT INTO conversations VALUES (%s, NULL, 'active', now(), now(), now(), %s, 1)",
        (conversation, messages),
    )
    owner.execute(
        "INSERT INTO conversation_participants VALUES"
        " (%(c)s, gen_random_uuid(), 0, 'iso_agent', %(a)s, true, true, true, true,"
        " now(), now(), 'active'),"
        " (%(c)s, gen_random_uuid(), 1, 'ai_assistant', NULL, true, true, false, false,"
        " now(), now(), 'active')",
        {"c": conversation, "a": ALICE},
    )
    owner.execute(
        "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id,"
        " content, created_at) SELECT %s, gen_random_uuid(), n, 'iso_agent', %s,"
        " 'message ' || n, now() FROM generate_series(1, %s::bigint) AS n",
        (conversation, ALICE, messages),
    )


def rows_of_messages_read(plan: dict[str, Any]) -> int:
    """The most rows of `messages` (kept or filtered out) that one node of the plan read."""
    return max(
        node["Actual Rows"] * node["Actual Loops"]
        + node.get("Rows Removed by Filter", 0)
        + node.get("Rows Removed by Index Recheck", 0)
        for node in nodes(plan)
        if node.get("Relation Name") == "messages"
        or str(node.get("Index Name", "")).startswith("messages")
    )


def explained_page(
    service: psycopg.Connection[Any], page_sql: str, arguments: Mapping[str, object]
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The plan and rows of `page_sql` as a statement the service prepared, with `arguments`."""
    names = list(arguments)
    prepared = re.sub(r"%\((\w+)\)s", lambda found: f"${names.index(found[1]) + 1}", page_sql)
    types = sql.SQL(", ").join(sql.SQL("uuid" if n == "conversation" else "bigint") for n in names)
    service.execute(sql.SQL("PREPARE page ({}) AS ").format(types) + sql.SQL(prepared))
    values = sql.SQL(", ").join(sql.Literal(arguments[n]) for n in names)
    row = service.execute(
        sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page({})").format(values)
    ).fetchone()
    rows = service.execute(sql.SQL("EXECUTE page({})").format(values)).fetchall()
    service.execute("DEALLOCATE page")
    assert row is not None
    return row[0][0]["Plan"], rows


PAGES = {
    "newest": (NEWEST_PAGE, {"before": PAST_LAST_SEQUENCE}),
    "newest before the middle": (NEWEST_PAGE, {"before": MESSAGES // 2}),
    "newest before a number past the last": (NEWEST_PAGE, {"before": 10 * MESSAGES}),
    "oldest after the middle": (
        OLDEST_PAGE,
        {"after": MESSAGES // 2, "until": MESSAGES // 2 + FETCHED},
    ),
}


@pytest.mark.parametrize("plan_cache_mode", ["force_custom_plan", "force_generic_plan"])
def test_a_history_page_reads_no_more_rows_than_it_returns(
    conversations: dict[str, UUID], app_database_url: str, plan_cache_mode: str
) -> None:
    with psycopg.connect(app_database_url) as service:
        service.execute("SELECT set_config('app.agent_id', %s, true)", (str(ALICE),))
        service.execute("SELECT set_config('plan_cache_mode', %s, true)", (plan_cache_mode,))
        for which in ("long", "new"):
            for page, (page_sql, cursor) in PAGES.items():
                arguments = {"conversation": conversations[which], **cursor, "fetched": FETCHED}
                plan, rows = explained_page(service, page_sql, arguments)
                case = f"{page} of the {which} conversation"
                assert len(rows) == FETCHED, case
                assert rows_of_messages_read(plan) <= FETCHED, (case, plan)
                tables = {n["Relation Name"] for n in nodes(plan) if n.get("Relation Name")}
                # The policies' membership check reads conversation_members: a probe by key.
                assert tables <= {"messages", "conversations", "conversation_members"}, case


def test_a_page_of_a_short_conversation_is_all_of_it(
    conversations: dict[str, UUID], app_database_url: str
) -> None:
    with psycopg.connect(app_database_url) as service:
        service.execute("SELECT set_config('app.agent_id', %s, true)", (str(ALICE),))
        pages = {
            page: [
                row[2]
                for row in explained_page(
                    service,
                    page_sql,
                    {"conversation": conversations["short"], **cursor, "fetched": FETCHED},
                )[1]
            ]
            for page, (page_sql, cursor) in PAGES.items()
        }
    every_message_newest_first = list(range(SHORT, 0, -1))
    assert pages == {
        "newest": every_message_newest_first,
        "newest before the middle": every_message_newest_first,
        "newest before a number past the last": every_message_newest_first,
        "oldest after the middle": [],
    }


def membership_probes(plan: dict[str, Any]) -> int:
    return sum(
        node["Actual Loops"]
        for node in nodes(plan)
        if node.get("Relation Name") == "conversation_members"
    )


@pytest.mark.parametrize("in_focus", [False, True], ids=["no focus", "in focus"])
def test_the_conversation_in_focus_has_its_membership_checked_once_a_page(
    conversations: dict[str, UUID], app_database_url: str, in_focus: bool
) -> None:
    page_sql, cursor = PAGES["newest"]
    conversation = conversations["long"]
    with psycopg.connect(app_database_url) as service:
        service.execute(
            "SELECT set_config('app.agent_id', %s, true),"
            " set_config('app.conversation_id', %s, true)",
            (str(ALICE), str(conversation) if in_focus else ""),
        )
        service.execute("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")
        plan, rows = explained_page(
            service, page_sql, {"conversation": conversation, **cursor, "fetched": FETCHED}
        )
    assert len(rows) == FETCHED
    if in_focus:
        # Once for the conversation read for the page's bounds, once for the page.
        assert membership_probes(plan) == 2, plan
    else:
        assert membership_probes(plan) > FETCHED, plan
