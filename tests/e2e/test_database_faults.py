"""The database fails under load, against the real server process: its connections are killed,
or it restarts. Requests meanwhile get 503 `database_unavailable` (never a hang: the pool wait
is bounded), the service recovers by itself, and every send acknowledged with a 201 is stored
whole.

"Promptly" is not timed: the server waits at most `POOL_TIMEOUT_S` for a connection and the
clients wait `CLIENT_TIMEOUT_S`, which only a hung service would reach; a client timeout
fails the test.
"""

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from adapters.postgres.embedded import EmbeddedPostgres
from adapters.postgres.migrations import migrate
from database_checks import conversations_missing_a_member
from e2e.conftest import DEV_SECRET, bearer
from e2e.helpers import assert_problem
from server_process import Server, servers, start_server

POOL_TIMEOUT_S = 1
CLIENT_TIMEOUT_S = 15.0
CLIENTS = 4
KILLS = 4
PROGRESS_DEADLINE_S = 30.0

KILL_CONNECTIONS = """
SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def serving(data_dir: Path, logs: Path, started: list[Server], database_url: str) -> Server:
    """`parley serve` on `database_url`, waiting at most `POOL_TIMEOUT_S` for a connection."""
    return start_server(
        data_dir,
        logs,
        started,
        PARLEY_DATABASE_URL=database_url,
        PARLEY_DEV_SECRET=DEV_SECRET,
        PARLEY_DB_POOL_MIN="4",
        PARLEY_DB_POOL_MAX="10",
        PARLEY_DB_POOL_TIMEOUT_S=str(POOL_TIMEOUT_S),
        PARLEY_RATE_LIMIT_PER_MINUTE="0",
    )


def http_client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=CLIENT_TIMEOUT_S, trust_env=False)


def kill_connections(database_url: str) -> list[int]:
    """Terminate every other connection to the database; return once their backends are gone
    (a terminated backend has sent its last words to its client by then)."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        pids = [pid for pid, _ in admin.execute(KILL_CONNECTIONS).fetchall()]
        deadline = time.monotonic() + PROGRESS_DEADLINE_S
        while admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "terminated backends did not go away"
            time.sleep(0.01)
    return pids


@dataclass(frozen=True)
class Turn:
    """A send the service acknowledged with 201."""

    conversation_id: str
    user_message_id: str
    assistant_message_id: str


class Load:
    """`clients` threads, each sending as a user of its own in a loop until `stop()`: three
    messages to a conversation, then a new one. Every answer is kept: the turns of the 201s,
    the responses of the rest. A client that gets no answer (a timeout) fails the test."""

    def __init__(self, server: Server, clients: int) -> None:
        self._server = server
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._acknowledged: list[Turn] = []
        self._refused: list[httpx.Response] = []
        self._executor = ThreadPoolExecutor(clients)
        self._clients: list[Future[None]] = [
            self._executor.submit(self._send_until_stopped, f"loader-{n}") for n in range(clients)
        ]

    @property
    def acknowledged(self) -> list[Turn]:
        with self._lock:
            return list(self._acknowledged)

    @property
    def refused(self) -> list[httpx.Response]:
        with self._lock:
            return list(self._refused)

    def wait_for_more(self, count: int) -> None:
        """Wait until `count` more sends than now are acknowledged."""
        target = len(self.acknowledged) + count
        deadline = time.monotonic() + PROGRESS_DEADLINE_S
        while len(self.acknowledged) < target:
            for client in self._clients:
                if client.done():
                    client.result()  # a client that failed fails the test here
            assert time.monotonic() < deadline, (
                f"{len(self.acknowledged)} sends acknowledged, not {target}; the last refusals:"
                f" {[r.text for r in self.refused[-3:]]}\n{self._server.log_text()[-4000:]}"
            )
            time.sleep(0.02)

    def stop(self) -> None:
        self._stopping.set()
        try:
            for client in self._clients:
                client.result()
        finally:
            self._executor.shutdown()

    def _send_until_stopped(self, user: str) -> None:
        conversation_id: str | None = None
        number = 0
        with http_client(self._server) as http:
            while not self._stopping.is_set():
                body: dict[str, object] = {"message": f"{user} says {number}"}
                if conversation_id is not None and number % 4:
                    body["conversation_id"] = conversation_id
                response = http.post("/api/chat", json=body, headers=bearer(user))
                number += 1
                with self._lock:
                    if response.status_code != 201:
                        self._refused.append(response)
                        continue
                    turn = response.json()
                    conversation_id = turn["conversation"]["id"]
                    self._acknowledged.append(
                        Turn(
                            conversation_id,
                            turn["user_message"]["id"],
                            turn["assistant_message"]["id"],
                        )
                    )


@contextmanager
def load_on(server: Server, clients: int = CLIENTS) -> Iterator[Load]:
    load = Load(server, clients)
    try:
        yield load
    finally:
        load.stop()


def assert_stored_whole(database_url: str, acknowledged: list[Turn]) -> None:
    """Every acknowledged send's message and reply are stored, the reply answering the message
    in the same conversation; no conversation lacks its agent or its AI participant."""
    assert acknowledged
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT id::text, conversation_id::text, role, reply_to::text FROM messages"
        ).fetchall()
        incomplete = conversations_missing_a_member(connection)
    stored = {row[0]: row[1:] for row in rows}
    lost = [
        turn
        for turn in acknowledged
        if stored.get(turn.user_message_id) != (turn.conversation_id, "iso_agent", None)
        or stored.get(turn.assistant_message_id)
        != (turn.conversation_id, "ai_assistant", turn.user_message_id)
    ]
    assert lost == [], f"{len(lost)} of {len(acknowledged)} acknowledged sends are not stored"
    assert incomplete == [], "conversations without an active agent or an AI participant"


def assert_refused_as_unavailable(refused: list[httpx.Response]) -> None:
    for response in refused:
        assert_problem(response, 503, "database_unavailable")


def test_connections_killed_under_load_refuse_some_sends_with_503_and_lose_no_acknowledged_one(
    data_dir: Path, tmp_path: Path, clean_database: str
) -> None:
    with servers(data_dir) as started:
        server = serving(data_dir, tmp_path, started, clean_database)
        killed = []
        with load_on(server) as load:
            for _ in range(KILLS):
                load.wait_for_more(2 * CLIENTS)
                killed.append(len(kill_connections(clean_database)))
            load.wait_for_more(3 * CLIENTS)  # recovered by itself
        with http_client(server) as http:
            ready = http.get("/health/ready")

    assert all(count >= 1 for count in killed), killed
    assert ready.status_code == 200, ready.text
    assert_refused_as_unavailable(load.refused)
    assert_stored_whole(clean_database, load.acknowledged)


def test_after_its_idle_connections_are_killed_the_very_next_requests_succeed(
    data_dir: Path, tmp_path: Path, clean_database: str
) -> None:
    with servers(data_dir) as started:
        server = serving(data_dir, tmp_path, started, clean_database)
        with http_client(server) as http:

            def send(message: str, **fields: object) -> httpx.Response:
                body = {"message": message, **fields}
                return http.post("/api/chat", json=body, headers=bearer("alice"))

            first = send("before")
            assert first.status_code == 201, first.text
            conversation_id = first.json()["conversation"]["id"]
            killed = kill_connections(clean_database)
            # New conversations (their writes and COMMIT go out in one round trip) and
            # follow-ups (a read first), before anything else could meet the dead connections.
            sends = [send("new 1"), send("more", conversation_id=conversation_id)]
            sends += [send("new 2"), send("new 3"), send("again", conversation_id=conversation_id)]
            ready = http.get("/health/ready")
            listed = http.get("/api/conversations", headers=bearer("alice"))
            killed_again = kill_connections(clean_database)
            ready_first = http.get("/health/ready")

    assert len(killed) >= 4, "the pool's idle connections were not there to be killed"
    assert [response.status_code for response in sends] == [201] * 5, [r.text for r in sends]
    assert ready.status_code == 200, ready.text
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 4
    assert len(killed_again) >= 4
    assert ready_first.status_code == 200, ready_first.text


def test_a_database_restart_under_load_costs_503s_meanwhile_and_the_service_recovers(
    data_dir: Path, tmp_path: Path
) -> None:
    database = EmbeddedPostgres(data_dir)
    url = database.start()
    server_dir = tmp_path / "server"  # not `data_dir`: leaving `servers` stops its PostgreSQL
    server_dir.mkdir()
    try:
        asyncio.run(migrate(url))
        with servers(server_dir) as started:
            server = serving(server_dir, tmp_path, started, url)
            with load_on(server) as load, http_client(server) as http:
                load.wait_for_more(2 * CLIENTS)
                database.stop()
                live = http.get("/health/live")
                ready = http.get("/health/ready")
                refused_send = http.post("/api/chat", json={"message": "hi"}, headers=bearer("bob"))
                refused_list = http.get("/api/conversations", headers=bearer("bob"))
                assert database.start() == url
                load.wait_for_more(3 * CLIENTS)  # recovered by itself
                ready_after = http.get("/health/ready")
        assert live.status_code == 200, live.text
        assert_problem(ready, 503, "not_ready")
        assert_problem(refused_send, 503, "database_unavailable")
        assert_problem(refused_list, 503, "database_unavailable")
        assert ready_after.status_code == 200, ready_after.text
        assert load.refused, "no send was refused while the database was down"
        assert_refused_as_unavailable(load.refused)
        assert_stored_whole(url, load.acknowledged)
    finally:
        database.stop()
