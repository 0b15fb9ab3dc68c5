"""The real server process, as `make run` starts it: embedded PostgreSQL, real sockets, signals."""

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from adapters.postgres.embedded import EmbeddedPostgres
from server_process import (
    GRACE_PERIOD_S,
    Server,
    dev_token,
    postmaster_pid_file,
    running_postmasters,
    servers,
    start_server,
)
from unit.assistant.fake_openai import Reply, running_fake_openai

WAIT_S = 20.0


def stop(server: Server, data_dir: Path) -> int:
    """SIGTERM; the server must stop within the grace period, having shut down its embedded
    PostgreSQL. Returns its exit status."""
    status = server.terminate()
    assert "parley_stopped" in server.log_events(), server.log_text()
    assert not postmaster_pid_file(data_dir).exists(), "the embedded PostgreSQL still runs"
    assert running_postmasters(data_dir) == []
    return status


def test_a_conversation_survives_a_graceful_restart_of_the_server_process(
    data_dir: Path, tmp_path: Path
) -> None:
    with servers(data_dir) as started:
        first = start_server(data_dir, tmp_path, started)
        assert "parley_started" in first.log_events(), "the log is not JSON lines"
        headers = {"Authorization": f"Bearer {dev_token(first, 'alice')}"}
        with first.client(headers) as http:
            chat = http.post("/api/chat/init", json={"title": "over a real socket"})
            assert chat.status_code == 201, chat.text
            conversation_id = chat.json()["conversation"]["id"]
            sent = http.post(
                "/api/chat", json={"message": "hello", "conversation_id": conversation_id}
            )
            assert sent.status_code == 201, sent.text
            turn = sent.json()
            listed = http.get("/api/conversations")
            assert listed.status_code == 200, listed.text
            assert [c["id"] for c in listed.json()["items"]] == [conversation_id]
            before = http.get(f"/api/conversations/{conversation_id}/messages").json()["items"]
        assert [(m["sequence"], m["role"]) for m in before] == [
            (1, "iso_agent"),
            (2, "ai_assistant"),
        ]
        assert [m["id"] for m in before] == [
            turn["user_message"]["id"],
            turn["assistant_message"]["id"],
        ]
        statuses = [stop(first, data_dir)]

        second = start_server(data_dir, tmp_path, started)
        # The same token still works: the dev secret was kept in the data dir.
        with second.client(headers) as http:
            listed = http.get("/api/conversations")
            assert listed.status_code == 200, listed.text
            items = listed.json()["items"]
            after = http.get(f"/api/conversations/{conversation_id}/messages")
            assert after.status_code == 200, after.text
        assert [(c["id"], c["title"], c["message_count"]) for c in items] == [
            (conversation_id, "over a real socket", 2)
        ]
        assert after.json()["items"] == before
        statuses.append(stop(second, data_dir))
    logs = "\n".join(server.log_text() for server in started)
    assert statuses == [0, 0], f"exit statuses after SIGTERM: {statuses}\n{logs}"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {WAIT_S} s"
        time.sleep(0.02)


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def exit_status(server: Server) -> int:
    """The status the server exits with, waited for as long as the grace period (and no more
    signals: a second SIGTERM would cut uvicorn's graceful shutdown short)."""
    try:
        return server.process.wait(timeout=GRACE_PERIOD_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"still running {GRACE_PERIOD_S} s after SIGTERM:\n{server.log_text()}"
        ) from None


def test_sigterm_lets_the_send_in_flight_finish_and_be_stored_while_new_connections_are_refused(
    data_dir: Path, tmp_path: Path
) -> None:
    answer = threading.Event()
    postgres_log = data_dir / "postgres" / "log"
    with (
        running_fake_openai(Reply(content="Worth the wait.", gate=answer)) as assistant,
        servers(data_dir) as started,
    ):
        server = start_server(
            data_dir,
            tmp_path,
            started,
            PARLEY_ASSISTANT="openai",
            PARLEY_OPENAI_BASE_URL=assistant.base_url,
            PARLEY_OPENAI_MODEL="fake-model-1",
            PARLEY_ASSISTANT_RETRIES="0",
        )
        headers = {"Authorization": f"Bearer {dev_token(server, 'alice')}"}
        with server.client(headers) as http, ThreadPoolExecutor(1) as requests:
            in_flight = requests.submit(http.post, "/api/chat", json={"message": "take your time"})
            wait_until(lambda: assistant.call_count == 1 or in_flight.done(), "no question asked")
            assert not in_flight.done(), in_flight.result().text
            postgres_log_before = postgres_log.read_text(errors="replace")

            server.process.send_signal(signal.SIGTERM)
            wait_until(lambda: refuses_connections(server.port), "new connections accepted")
            refused_while_in_flight = not in_flight.done() and server.process.poll() is None
            answer.set()
            response = in_flight.result()
        status = exit_status(server)
        postgres_log_after = postgres_log.read_text(errors="replace")
        pid_file_left = postmaster_pid_file(data_dir).exists()
        postmasters_left = running_postmasters(data_dir)

    assert refused_while_in_flight, "the send was over before new connections were refused"
    assert response.status_code == 201, response.text
    turn = response.json()
    assert turn["assistant_message"]["content"] == "Worth the wait."
    assert status == 0, server.log_text()
    assert "parley_stopped" in server.log_events(), server.log_text()
    assert not pid_file_left, "the embedded PostgreSQL still runs"
    assert postmasters_left == []
    # The pool closed its connections before the database stopped: none was cut by it.
    shutdown_log = postgres_log_after.removeprefix(postgres_log_before)
    assert "terminating connection due to administrator command" not in shutdown_log
    assert "database system is shut down" in shutdown_log
    database = EmbeddedPostgres(data_dir)
    try:
        with psycopg.connect(database.start()) as connection:
            stored = connection.execute(
                "SELECT content, reply_to::text FROM messages WHERE id = %s",
                (turn["assistant_message"]["id"],),
            ).fetchall()
    finally:
        database.stop()
    assert stored == [("Worth the wait.", turn["user_message"]["id"])]
