"""The real server process, as `make run` starts it: embedded PostgreSQL, real sockets, signals."""

from pathlib import Path

from server_process import (
    Server,
    dev_token,
    postmaster_pid_file,
    running_postmasters,
    servers,
    start_server,
)


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
