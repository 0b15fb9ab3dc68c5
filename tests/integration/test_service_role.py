"""The service's role: made by the migration, checked at start, the same on the embedded server."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from adapters.assistant.echo import EchoAssistant
from adapters.clock import SystemClock
from adapters.memory.events import RecordingPublisher
from adapters.postgres.database import PostgresDatabase
from adapters.postgres.migrations import available_migrations, migrate
from adapters.postgres.roles import SERVICE_ROLE, ServiceRoleRefused
from application.context import UseCaseContext
from application.policy import ChatPolicy
from application.principal import Principal
from application.use_cases.conversations import ListConversations, list_conversations
from application.use_cases.send_message import SendMessage, send_message
from entrypoints.container import start_store
from entrypoints.settings import SettingsError


def admin(postgres_server_url: str, statement: sql.Composable) -> None:
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture
def role_maker(postgres_server_url: str, database_url: str) -> Iterator[Any]:
    """Makes login roles with the given attributes; drops them, their databases and their
    grants in the test database after."""
    made: list[tuple[str, str | None]] = []

    def make(attributes: str = "", *, owning_a_database: bool = False) -> str:
        role = f"parley_test_{uuid4().hex[:10]}"
        database = role if owning_a_database else None
        admin(
            postgres_server_url,
            sql.SQL(f"CREATE ROLE {{}} LOGIN {attributes}").format(sql.Identifier(role)),
        )
        made.append((role, database))
        if database is not None:
            admin(
                postgres_server_url,
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(role)
                ),
            )
        return role

    yield make
    for role, database in reversed(made):
        if database is not None:
            admin(
                postgres_server_url,
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)),
            )
        admin(database_url, sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        admin(postgres_server_url, sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def url_of(server_url: str, role: str, database: str | None = None) -> str:
    return make_conninfo(server_url, user=role, dbname=database or role)


def context_on(database: PostgresDatabase) -> UseCaseContext:
    return UseCaseContext(
        new_unit_of_work=database.new_unit_of_work,
        clock=SystemClock(),
        assistant=EchoAssistant(),
        policy=ChatPolicy(),
    )


async def test_with_an_owner_that_is_no_superuser_the_service_keeps_agents_apart(
    postgres_server_url: str, database_url: str, role_maker: Any
) -> None:
    owner = role_maker("NOSUPERUSER NOCREATEROLE", owning_a_database=True)
    owner_url = url_of(postgres_server_url, owner)
    database = PostgresDatabase(owner_url, Path("unused"), RecordingPublisher(), pool_min=1)
    await database.start()
    try:
        context = context_on(database)
        first = await send_message(context, Principal("alice"), SendMessage("hello"))
        again = SendMessage("again", conversation_id=first.conversation.id)
        second = await send_message(context, Principal("alice"), again)
        alices = await list_conversations(context, Principal("alice"), ListConversations())
        bobs = await list_conversations(context, Principal("bob"), ListConversations())
    finally:
        await database.stop()
    assert second.assistant_message.sequence == 4
    assert [view.conversation.id for view in alices.items] == [first.conversation.id]
    assert bobs.items == []
    with psycopg.connect(owner_url) as own:
        nothing = own.execute("SELECT count(*) FROM messages").fetchone()
        own.execute(
            "SELECT set_config('app.agent_id', %s, true)",
            (str(first.user_message.sender_agent_id),),
        )
        alices_messages = own.execute("SELECT count(*) FROM messages").fetchone()
    assert (nothing, alices_messages) == ((0,), (4,))


async def test_a_service_role_the_owner_may_not_create_is_refused_naming_the_setting(
    postgres_server_url: str, role_maker: Any
) -> None:
    owner = role_maker("NOSUPERUSER NOCREATEROLE", owning_a_database=True)
    missing = f"parley_missing_{uuid4().hex[:8]}"
    owner_url = url_of(postgres_server_url, owner)
    with pytest.raises(ServiceRoleRefused, match=missing):
        await migrate(owner_url, missing)
    database = PostgresDatabase(
        owner_url,
        Path("unused"),
        RecordingPublisher(),
        service_url=url_of(postgres_server_url, missing, owner),
    )
    try:
        with pytest.raises(SettingsError, match="PARLEY_APP_DATABASE_URL"):
            await start_store(database)
    finally:
        await database.stop()


@pytest.mark.parametrize(
    ("attributes", "refusal"),
    [("SUPERUSER", "is a superuser"), ("BYPASSRLS", "has BYPASSRLS"), ("OWNER", "owns")],
)
async def test_the_service_refuses_to_start_as_a_role_that_row_level_security_lets_through(
    postgres_server_url: str,
    database_url: str,
    role_maker: Any,
    attributes: str,
    refusal: str,
) -> None:
    if attributes == "OWNER":
        role = role_maker("NOSUPERUSER", owning_a_database=True)
        owner_url = service_url = url_of(postgres_server_url, role)
    else:
        role = role_maker(attributes)
        owner_url = database_url
        service_url = make_conninfo(database_url, user=role)
    database = PostgresDatabase(
        owner_url, Path("unused"), RecordingPublisher(), service_url=service_url, pool_min=1
    )
    try:
        with pytest.raises(SettingsError, match=f"{refusal}.*PARLEY_APP_DATABASE_URL"):
            await start_store(database)
    finally:
        await database.stop()


async def test_a_database_migrated_before_row_level_security_upgrades(
    postgres_server_url: str, app_database_url: str
) -> None:
    name = f"parley_upgrade_{uuid4().hex[:8]}"
    admin(postgres_server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_conninfo(postgres_server_url, dbname=name)
    try:
        initial = available_migrations()[0]
        agent, conversation = uuid4(), uuid4()
        with psycopg.connect(url) as owner:
            owner.execute(initial.sql.encode())
            owner.execute(
                "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now());"
                " INSERT INTO schema_migrations (version, name) VALUES (1, 'initial')"
            )
            for statement in (
                "INSERT INTO iso_agents VALUES (%(a)s, 'alice', NULL, NULL, now())",
                "INSERT INTO conversations VALUES"
                " (%(c)s, NULL, 'active', now(), now(), NULL, 0, 1)",
                "INSERT INTO conversation_participants VALUES"
                " (%(c)s, gen_random_uuid(), 0, 'iso_agent', %(a)s, true, true, true, true,"
                " now(), now(), 'active'),"
                " (%(c)s, gen_random_uuid(), 1, 'ai_assistant', NULL, true, true, false, false,"
                " now(), now(), 'active')",
            ):
                owner.execute(statement, {"a": agent, "c": conversation})
        assert await migrate(url) == [m.version for m in available_migrations()[1:]]
        with psycopg.connect(make_conninfo(url, user=SERVICE_ROLE)) as service:
            unseen = service.execute("SELECT count(*) FROM conversations").fetchone()
            service.execute("SELECT set_config('app.agent_id', %s, true)", (str(agent),))
            seen = service.execute("SELECT count(*) FROM conversations").fetchone()
        assert (unseen, seen) == ((0,), (1,))
    finally:
        admin(
            postgres_server_url,
            sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)),
        )


async def test_the_embedded_server_serves_as_a_role_row_level_security_holds(
    data_dir: Path,
) -> None:
    database = PostgresDatabase(None, data_dir, RecordingPublisher(), pool_min=1)
    await database.start()
    try:
        socket_folder = data_dir / "postgres"
        server = make_conninfo("", host=str(socket_folder), dbname="postgres", user="postgres")
        with psycopg.connect(server) as superuser:
            pool_roles = superuser.execute(
                "SELECT DISTINCT r.rolname, r.rolsuper, r.rolbypassrls,"
                " EXISTS (SELECT 1 FROM pg_class c WHERE c.relkind = 'r'"
                "   AND c.relname IN ('conversations', 'conversation_participants',"
                "   'chat_sessions', 'messages')"
                "   AND pg_has_role(r.oid, c.relowner, 'MEMBER')) AS owns_a_table"
                " FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename"
                " WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()"
            ).fetchall()
    finally:
        await database.stop()
    assert pool_roles == [(SERVICE_ROLE, False, False, False)]
