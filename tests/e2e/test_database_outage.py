"""The database goes away and comes back: 503s meanwhile, then the service recovers by itself."""

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from e2e.conftest import bearer
from e2e.helpers import Client, assert_problem, listed_ids, send, sent

RECOVERY_DEADLINE_S = 30.0


class Outage:
    """Refuses new connections to one database and cuts the ones it has, until `end()`."""

    def __init__(self, server_url: str, database_url: str) -> None:
        self._server_url = server_url
        self._name = str(conninfo_to_dict(database_url)["dbname"])

    def begin(self) -> None:
        self._allow_connections(allowed=False)
        with psycopg.connect(self._server_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (self._name,),
            )

    def end(self) -> None:
        self._allow_connections(allowed=True)

    def _allow_connections(self, *, allowed: bool) -> None:
        statement = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
            sql.Identifier(self._name), sql.SQL("true" if allowed else "false")
        )
        with psycopg.connect(self._server_url, autocommit=True) as admin:
            admin.execute(statement)


@pytest.fixture
def outage(postgres_server_url: str, clean_database: str) -> Iterator[Outage]:
    """An outage of the test database, always ended before the database is cleaned."""
    cut = Outage(postgres_server_url, clean_database)
    try:
        yield cut
    finally:
        cut.end()


def ready_again(client: Client) -> bool:
    """Whether `/health/ready` answers 200 before the deadline, asked every 100 ms."""
    deadline = time.monotonic() + RECOVERY_DEADLINE_S
    while time.monotonic() < deadline:
        if client.get("/health/ready").status_code == 200:
            return True
        time.sleep(0.1)
    return False


def test_without_its_database_the_service_stays_alive_says_not_ready_and_answers_503(
    client_with: Callable[..., Client], outage: Outage
) -> None:
    client = client_with(db_pool_timeout_s=1)
    before = sent(client, "alice", "before the outage")
    assert client.get("/health/ready").status_code == 200

    outage.begin()
    try:
        live = client.get("/health/live")
        ready = client.get("/health/ready")
        refused_send = send(client, "alice", "during the outage")
        refused_list = client.get("/api/conversations", headers=bearer("alice"))
    finally:
        outage.end()

    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert_problem(ready, 503, "not_ready")
    assert_problem(refused_send, 503, "database_unavailable")
    assert_problem(refused_list, 503, "database_unavailable")
    assert ready_again(client)
    assert listed_ids(client, "alice") == [before["conversation"]["id"]]


def test_once_its_database_is_back_the_service_recovers_by_itself(
    client_with: Callable[..., Client], outage: Outage
) -> None:
    client = client_with(db_pool_timeout_s=1)
    sent(client, "alice", "before the outage")
    outage.begin()
    assert client.get("/health/ready").status_code == 503

    outage.end()

    assert ready_again(client)
    after = send(client, "alice", "after the outage")
    assert after.status_code == 201
    assert after.json()["user_message"]["sequence"] == 1
    assert len(listed_ids(client, "alice")) == 2
