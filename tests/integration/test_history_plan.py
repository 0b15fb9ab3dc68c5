"""A history page of a long conversation reads the index under row-level security."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

ALICE = UUID(int=0xA)
MESSAGES = 20_000

NEWEST_PAGE = (
    "SELECT * FROM messages WHERE conversation_id = $1 AND sequence < $2"
    " ORDER BY sequence DESC LIMIT $3"
)
"""As `PostgresMessageRepository.newest` asks for a page."""


@pytest.fixture
def long_conversation(clean_database: str) -> UUID:
    """Alice's conversation of 20k messages beside a short one, analysed."""
    conversation, short = uuid4(), uuid4()
    with psycopg.connect(clean_database) as owner:
        owner.execute("SELECT set_config('app.agent_id', %s, true)", (str(ALICE),))
        owner.execute(
            "INSERT INTO iso_agents (id, external_user_id, created_at) VALUES (%s, 'alice', now())",
            (ALICE,),
        )
        for started, count in ((conversation, MESSAGES), (short, 3)):
            owner.execute(
                "INSERT INTO conversations VALUES (%s, NULL, 'active', now(), now(), now(), %s, 1)",
                (started, count),
            )
            owner.execute(
                "INSERT INTO conversation_participants VALUES"
                " (%(c)s, gen_random_uuid(), 0, 'iso_agent', %(a)s, true, true, true, true,"
                " now(), now(), 'active'),"
                " (%(c)s, gen_random_uuid(), 1, 'ai_assistant', NULL, true, true, false, false,"
                " now(), now(), 'active')",
                {"c": started, "a": ALICE},
            )
            owner.execute(
                "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id,"
                " content, created_at) SELECT %s, gen_random_uuid(), n, 'iso_agent', %s,"
                " 'message ' || n, now() FROM generate_series(1, %s) AS n",
                (started, ALICE, count),
            )
    with psycopg.connect(clean_database, autocommit=True) as owner:
        owner.execute("ANALYZE")
    return conversation


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.mark.parametrize("plan_cache_mode", ["force_custom_plan", "force_generic_plan"])
def test_a_history_page_is_an_index_scan_of_its_conversation(
    long_conversation: UUID, app_database_url: str, plan_cache_mode: str
) -> None:
    with psycopg.connect(app_database_url) as service:
        service.execute("SELECT set_config('app.agent_id', %s, true)", (str(ALICE),))
        service.execute("SELECT set_config('plan_cache_mode', %s, true)", (plan_cache_mode,))
        service.execute(f"PREPARE newest_page (uuid, bigint, bigint) AS {NEWEST_PAGE}")
        arguments = sql.SQL(", ").join(
            [sql.Literal(long_conversation), sql.Literal(MESSAGES // 2), sql.Literal(51)]
        )
        row = service.execute(
            sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE newest_page({})").format(arguments)
        ).fetchone()
        page = service.execute(sql.SQL("EXECUTE newest_page({})").format(arguments)).fetchall()
    assert row is not None
    plan = list(nodes(row[0][0]["Plan"]))
    reads = [(n["Node Type"], n.get("Index Name")) for n in plan if n.get("Relation Name")]
    # The policy's membership check reads the participants too: one tiny lookup, not a page.
    messages = [n for n in plan if n.get("Relation Name") == "messages"]
    assert [(n["Node Type"], n.get("Index Name")) for n in messages] == [
        ("Index Scan", "messages_pkey")
    ], reads
    assert {n["Relation Name"] for n in plan if n.get("Relation Name")} <= {
        "messages",
        "conversation_members",
    }
    assert not any(n["Node Type"] == "Sort" for n in plan), reads
    assert len(page) == 51
