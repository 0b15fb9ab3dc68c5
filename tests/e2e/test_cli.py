"""The `parley` command against a real database: migrate, dev-token and agents."""

import json
from pathlib import Path

import jwt
import psycopg
import pytest

from e2e.conftest import DEV_SECRET
from entrypoints.cli import main


@pytest.fixture
def environment(clean_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process environment `parley` reads, pointed at the test database."""
    for name in ("PARLEY_AUTH_MODE", "PARLEY_STORE", "PARLEY_ASSISTANT", "CLERK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARLEY_DATABASE_URL", clean_database)
    monkeypatch.setenv("PARLEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARLEY_DEV_SECRET", DEV_SECRET)
    monkeypatch.setenv("PARLEY_LOG_FORMAT", "json")
    return tmp_path


def agents_in(database_url: str) -> list[tuple[str, str | None, str | None]]:
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            "SELECT external_user_id, email, name FROM iso_agents ORDER BY external_user_id"
        ).fetchall()


def test_migrate_reports_an_up_to_date_schema(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_dev_token_prints_a_token_the_dev_secret_verifies(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dev-token", "alice", "--email", "a@example.com", "--name", "Alice"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, DEV_SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["email"], claims["name"]) == ("alice", "a@example.com", "Alice")


def test_dev_token_is_refused_outside_dev_mode(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_AUTH_MODE", "clerk")
    monkeypatch.setenv("PARLEY_CLERK_JWT_KEY", "unused")
    assert main(["dev-token", "alice"]) == 2


def test_agents_add_then_list(
    environment: Path, clean_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agents", "add", "user_1", "--email", "one@example.com"]) == 0
    assert main(["agents", "add", "user_1"]) == 0
    assert agents_in(clean_database) == [("user_1", "one@example.com", None)]
    capsys.readouterr()
    assert main(["agents", "list"]) == 0
    assert "user_1\tone@example.com" in capsys.readouterr().out


def test_agents_sync_from_a_clerk_export_adds_the_unknown_ones(
    environment: Path, clean_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    export = environment / "users.json"
    export.write_text(
        json.dumps(
            [
                {
                    "id": "user_a",
                    "primary_email_address_id": "e1",
                    "email_addresses": [{"id": "e1", "email_address": "a@example.com"}],
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                },
                {"id": "user_b", "email_addresses": [], "username": "bee"},
            ]
        )
    )
    assert main(["agents", "add", "user_b"]) == 0
    capsys.readouterr()
    assert main(["agents", "sync", "--from-file", str(export)]) == 0
    assert "1 agents added, 1 already known" in capsys.readouterr().out
    assert agents_in(clean_database) == [
        ("user_a", "a@example.com", "Ada Lovelace"),
        ("user_b", None, None),
    ]


def test_agents_sync_from_a_broken_file_fails_and_adds_nothing(
    environment: Path, clean_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = environment / "users.json"
    broken.write_text('{"not": "a list"')
    assert main(["agents", "sync", "--from-file", str(broken)]) == 1
    assert "parley:" in capsys.readouterr().err
    assert agents_in(clean_database) == []


def test_agents_sync_from_clerk_needs_the_secret_key(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agents", "sync", "--from-clerk"]) == 1
    assert "CLERK_SECRET_KEY" in capsys.readouterr().err


def test_a_bad_setting_stops_the_command_with_a_message(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_PORT", "not-a-port")
    assert main(["migrate"]) == 2
    assert "PARLEY_PORT" in capsys.readouterr().err


def test_a_service_role_that_would_see_every_agent_stops_the_command_with_a_message(
    environment: Path,
    clean_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PARLEY_APP_DATABASE_URL", clean_database)  # the owner's, a superuser
    assert main(["agents", "list"]) == 2
    error = capsys.readouterr().err
    assert "is a superuser" in error or "owns" in error
    assert "PARLEY_APP_DATABASE_URL" in error
