"""The database itself keeps each agent to its conversations: raw SQL as the service's role."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import errors as pg_errors

from adapters.memory.events import RecordingPublisher
from adapters.postgres.pool import create_pool
from adapters.postgres.roles import GUARDED_TABLES
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from domain.agent import Agent
from integration.builders import T0
from integration.plans import nodes

ALICE, BOB = UUID(int=0xA), UUID(int=0xB)

STARTED = [
    "INSERT INTO conversations VALUES (%(c)s, 'Alice''s', 'active', now(), now(), now(), 1, 1)",
    "INSERT INTO conversation_participants VALUES (%(c)s, gen_random_uuid(), 0, 'iso_agent',"
    " %(agent)s, true, true, true, true, now(), now(), 'active')",
    "INSERT INTO conversation_participants VALUES (%(c)s, gen_random_uuid(), 1, 'ai_assistant',"
    " NULL, true, true, false, false, now(), now(), 'active')",
    "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id, content,"
    " created_at) VALUES (%(c)s, gen_random_uuid(), 1, 'iso_agent', %(agent)s, 'hi', now())",
    "INSERT INTO chat_sessions VALUES (%(c)s, gen_random_uuid(), %(agent)s, 'active', now(),"
    " now(), NULL, 1)",
]
"""A conversation started by `agent` as the service starts one: all in one transaction."""


def acting(connection: psycopg.Connection[Any], agent: UUID, *, focus: UUID | None = None) -> None:
    """Set the acting agent and, if given, the conversation in focus (migration 0003)."""
    connection.execute(
        "SELECT set_config('app.agent_id', %s, true),"
        " set_config('app.conversation_id', coalesce(%s, ''), true)",
        (str(agent), None if focus is None else str(focus)),
    )


IN_FOCUS = pytest.mark.parametrize("in_focus", [False, True], ids=["no focus", "in focus"])
"""Whether the conversation is the one in focus: the focus must show no more."""


def visible_rows(connection: psycopg.Connection[Any]) -> dict[str, int]:
    counts = {}
    for table in GUARDED_TABLES:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        counts[table] = row[0]
    return counts


NOTHING = dict.fromkeys(GUARDED_TABLES, 0)


@pytest.fixture
def agents(clean_database: str) -> None:
    with psycopg.connect(clean_database) as owner:
        owner.execute(
            "INSERT INTO iso_agents (id, external_user_id, created_at) VALUES"
            " (%s, 'alice', now()), (%s, 'bob', now())",
            (ALICE, BOB),
        )


@pytest.fixture
def alices_conversation(agents: None, app_database_url: str) -> UUID:
    """A conversation of Alice's, stored through the service's role acting for her."""
    conversation = uuid4()
    with psycopg.connect(app_database_url) as service:
        acting(service, ALICE)
        for statement in STARTED:
            service.execute(statement, {"c": conversation, "agent": ALICE})
    return conversation


def alice_invites_bob(service: psycopg.Connection[Any], conversation: UUID) -> None:
    """Alice adds Bob to her conversation as an operator, and commits."""
    acting(service, ALICE)
    service.execute(
        "INSERT INTO conversation_participants VALUES (%s, gen_random_uuid(), 2, 'operator',"
        " %s, true, true, false, true, now(), now(), 'active')",
        (conversation, BOB),
    )
    service.commit()


@pytest.fixture
def service(app_database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(app_database_url) as connection:
        yield connection


def test_the_service_role_is_no_superuser_has_no_bypass_and_owns_no_table(
    service: psycopg.Connection[Any],
) -> None:
    role = service.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    owned = service.execute(
        "SELECT relname FROM pg_class WHERE relkind = 'r'"
        " AND pg_has_role(current_user, relowner, 'MEMBER')"
    ).fetchall()
    assert role == (False, False)
    assert owned == []


def test_row_level_security_is_enabled_and_forced_on_the_conversation_tables(
    service: psycopg.Connection[Any],
) -> None:
    rows = service.execute(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)",
        (list(GUARDED_TABLES),),
    ).fetchall()
    assert sorted(rows) == sorted((table, True, True) for table in GUARDED_TABLES)


@IN_FOCUS
def test_the_acting_agent_sees_its_conversation(
    alices_conversation: UUID, service: psycopg.Connection[Any], in_focus: bool
) -> None:
    acting(service, ALICE, focus=alices_conversation if in_focus else uuid4())
    assert visible_rows(service) == {
        "conversations": 1,
        "conversation_participants": 2,
        "chat_sessions": 1,
        "messages": 1,
    }


@IN_FOCUS
def test_another_agent_sees_no_row_of_it(
    alices_conversation: UUID, service: psycopg.Connection[Any], in_focus: bool
) -> None:
    acting(service, BOB, focus=alices_conversation if in_focus else None)
    assert visible_rows(service) == NOTHING


def test_with_no_agent_set_no_row_is_seen(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    assert visible_rows(service) == NOTHING


@pytest.mark.parametrize(
    "insert",
    [
        "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id, content,"
        " created_at) VALUES (%(c)s, gen_random_uuid(), 2, 'iso_agent', %(agent)s, 'me', now())",
        "INSERT INTO conversation_participants VALUES (%(c)s, gen_random_uuid(), 2, 'operator',"
        " %(agent)s, true, true, false, true, now(), now(), 'active')",
        "INSERT INTO chat_sessions VALUES (%(c)s, gen_random_uuid(), %(agent)s, 'active', now(),"
        " now(), NULL, 0)",
    ],
    ids=["message", "participant", "chat_session"],
)
@IN_FOCUS
def test_another_agent_cannot_insert_into_it(
    alices_conversation: UUID, service: psycopg.Connection[Any], insert: str, in_focus: bool
) -> None:
    acting(service, BOB, focus=alices_conversation if in_focus else None)
    with pytest.raises(pg_errors.InsufficientPrivilege) as refused:
        service.execute(insert, {"c": alices_conversation, "agent": BOB})
    assert refused.value.sqlstate == "42501"


@IN_FOCUS
def test_another_agent_changes_nothing_of_it(
    alices_conversation: UUID, service: psycopg.Connection[Any], clean_database: str, in_focus: bool
) -> None:
    acting(service, BOB, focus=alices_conversation if in_focus else None)
    for update in (
        "UPDATE conversations SET title = 'mine' WHERE id = %(c)s",
        "UPDATE conversation_participants SET is_active = false WHERE conversation_id = %(c)s",
        "UPDATE chat_sessions SET status = 'ended', ended_at = now() WHERE conversation_id = %(c)s",
    ):
        assert service.execute(update, {"c": alices_conversation}).rowcount == 0
    service.commit()
    with psycopg.connect(clean_database) as owner:
        acting(owner, ALICE)
        assert owner.execute("SELECT title FROM conversations").fetchall() == [("Alice's",)]


def test_an_agent_cannot_move_its_participant_into_a_conversation_it_is_not_in(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    bobs_conversation = uuid4()
    acting(service, BOB)
    for statement in STARTED:
        service.execute(statement, {"c": bobs_conversation, "agent": BOB})
    service.commit()
    acting(service, BOB)
    with pytest.raises(pg_errors.InsufficientPrivilege) as refused:
        service.execute(
            "UPDATE conversation_participants SET conversation_id = %s, position = 9"
            " WHERE conversation_id = %s AND agent_id = %s",
            (alices_conversation, bobs_conversation, BOB),
        )
    assert refused.value.sqlstate == "42501"


SEND_WRITE = (
    "WITH w0 AS (UPDATE conversations SET last_sequence = 2, version = 2"
    " WHERE id = %(c)s AND version = 1 RETURNING 1),"
    " w1 AS (UPDATE conversation_participants SET last_activity_at = now()"
    " WHERE conversation_id = %(c)s AND agent_id IS NOT NULL),"
    " w2 AS (INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id,"
    " content, created_at) VALUES (%(c)s, gen_random_uuid(), 2, 'iso_agent', %(agent)s, 'more',"
    " now())),"
    " w3 AS (UPDATE chat_sessions SET message_count = 2 WHERE conversation_id = %(c)s"
    " RETURNING 1)"
    " SELECT (SELECT count(*) FROM w0), (SELECT count(*) FROM w3)"
)
"""A send's changes to a conversation, made in one statement as the adapter makes them."""


def test_a_write_checks_each_row_it_changes_with_no_lookup_set_up_per_statement(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    """The focus arm (0003) would run an init-plan per policy applied, whatever the rows
    (migration 0004 keeps the focus for the messages read). Each UPDATE policy reads as its
    table's SELECT policy, which PostgreSQL then applies once: a probe for the conversation
    read and one written, as for the session; for the participants, one read and two
    written (the WITH CHECK asks for the membership alone); one for the message."""
    acting(service, ALICE, focus=alices_conversation)
    explained = service.execute(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {SEND_WRITE}", {"c": alices_conversation, "agent": ALICE}
    ).fetchone()
    assert explained is not None
    plan = explained[0][0]["Plan"]
    probes = [n for n in nodes(plan) if n.get("Relation Name") == "conversation_members"]
    assert probes, plan
    assert {probe["Parent Relationship"] for probe in probes} == {"SubPlan"}, plan
    assert len(probes) == 2 + 3 + 1 + 2, plan
    assert service.execute("SELECT last_sequence FROM conversations").fetchall() == [(2,)]


def test_a_member_who_may_invite_adds_an_operator_who_then_sees_it_until_leaving(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    alice_invites_bob(service, alices_conversation)
    acting(service, BOB)
    assert visible_rows(service)["messages"] == 1
    service.execute(
        "UPDATE conversation_participants SET is_active = false WHERE agent_id = %s", (BOB,)
    )
    service.commit()  # the members check sees Alice, though Bob no longer sees her
    acting(service, BOB)
    assert visible_rows(service) == NOTHING


def test_the_members_check_holds_whoever_acts(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    acting(service, ALICE)
    service.execute(
        "UPDATE conversation_participants SET is_active = false WHERE role = 'iso_agent'"
    )
    with pytest.raises(pg_errors.CheckViolation, match="no active iso_agent"):
        service.commit()


def test_the_service_role_cannot_call_the_members_check_itself(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    with pytest.raises(pg_errors.InsufficientPrivilege):
        service.execute("SELECT parley_require_members(%s)", (alices_conversation,))


def test_setting_the_lookup_mark_shows_the_service_role_nothing_more(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    service.execute("SELECT set_config('parley.membership_lookup', 'on', true)")
    assert visible_rows(service) == NOTHING
    acting(service, BOB)
    assert visible_rows(service) == NOTHING


async def test_a_connection_given_back_by_a_failed_unit_of_work_acts_for_no_one(
    agents: None, app_database_url: str
) -> None:
    pool = create_pool(app_database_url, min_size=1, max_size=1)
    await pool.open(wait=True)
    try:

        async def fail_midway() -> None:
            async with PostgresUnitOfWork(pool, RecordingPublisher()) as uow:
                await uow.act_for(ALICE)
                await uow.agents.add(Agent.provision("carol", T0))
                await uow.conversations.get(uuid4())  # the agent is set on the connection
                raise RuntimeError("failed midway")

        with pytest.raises(RuntimeError, match="midway"):
            await fail_midway()
        async with pool.connection() as connection:
            cursor = await connection.execute("SELECT current_setting('app.agent_id', true)")
            setting = await cursor.fetchone()
        assert setting is not None
        assert setting["current_setting"] in ("", None)
    finally:
        await pool.close()


async def test_a_connection_whose_transaction_broke_acts_for_no_one_next(
    agents: None, app_database_url: str
) -> None:
    pool = create_pool(app_database_url, min_size=1, max_size=1)
    await pool.open(wait=True)
    try:

        async def break_the_transaction() -> None:
            async with pool.connection() as connection:
                await connection.execute(
                    "SELECT set_config('app.agent_id', %s, true)", (str(ALICE),)
                )
                await connection.execute("SELECT 1 / 0")

        with pytest.raises(psycopg.errors.DivisionByZero):
            await break_the_transaction()
        async with pool.connection() as connection:
            cursor = await connection.execute(
                "SELECT current_setting('app.agent_id', true) AS agent,"
                " (SELECT count(*) FROM iso_agents) AS agents"
            )
            row = await cursor.fetchone()
        assert row is not None
        assert row["agent"] in ("", None)
        assert row["agents"] == 2
    finally:
        await pool.close()


def started_in_one_statement(conversation: UUID, agent: UUID) -> tuple[str, dict[str, Any]]:
    """The rows that start a conversation, written by one statement of data-modifying CTEs."""
    ctes = ", ".join(f"w{n} AS ({statement})" for n, statement in enumerate(STARTED))
    return f"WITH {ctes} SELECT true", {"c": conversation, "agent": agent}


def test_a_conversation_may_be_started_by_one_statement(
    agents: None, service: psycopg.Connection[Any]
) -> None:
    acting(service, ALICE)
    service.execute(*started_in_one_statement(uuid4(), ALICE))
    service.commit()
    acting(service, ALICE)
    assert visible_rows(service) == {
        "conversations": 1,
        "conversation_participants": 2,
        "chat_sessions": 1,
        "messages": 1,
    }


def test_one_statement_cannot_start_a_conversation_for_another_agent(
    agents: None, service: psycopg.Connection[Any]
) -> None:
    acting(service, BOB)
    with pytest.raises(pg_errors.InsufficientPrivilege):
        service.execute(*started_in_one_statement(uuid4(), ALICE))


MEMBERSHIPS = "SELECT conversation_id, agent_id FROM conversation_members ORDER BY agent_id"


def test_the_membership_index_follows_who_takes_part(
    alices_conversation: UUID, service: psycopg.Connection[Any], clean_database: str
) -> None:
    alice_invites_bob(service, alices_conversation)
    with psycopg.connect(clean_database) as owner:
        assert owner.execute(MEMBERSHIPS).fetchall() == [
            (alices_conversation, ALICE),
            (alices_conversation, BOB),
        ]
    acting(service, BOB)
    service.execute(
        "UPDATE conversation_participants SET is_active = false WHERE agent_id = %s", (BOB,)
    )
    service.commit()
    with psycopg.connect(clean_database) as owner:
        assert owner.execute(MEMBERSHIPS).fetchall() == [(alices_conversation, ALICE)]


def test_an_agent_sees_only_its_own_memberships_and_cannot_write_any(
    alices_conversation: UUID, service: psycopg.Connection[Any]
) -> None:
    acting(service, ALICE)
    assert service.execute(MEMBERSHIPS).fetchall() == [(alices_conversation, ALICE)]
    service.rollback()
    acting(service, BOB)
    assert service.execute(MEMBERSHIPS).fetchall() == []
    with pytest.raises(pg_errors.InsufficientPrivilege):
        service.execute(
            "INSERT INTO conversation_members VALUES (%s, %s)", (alices_conversation, BOB)
        )
