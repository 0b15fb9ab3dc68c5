"""A bug answers 500 with no internals, and is logged with its traceback and request id."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import structlog
from dependency_injector import providers
from litestar.testing import TestClient
from structlog.testing import capture_logs

from e2e.conftest import bearer
from entrypoints.asgi import build_app
from entrypoints.container import Container


class BrokenClock:
    """A clock with a bug: every reading fails."""

    def now(self) -> datetime:
        raise RuntimeError("the clock's battery is flat: secret internals here")


@pytest.fixture
def broken_client(container: Container) -> Iterator[TestClient[Any]]:
    container.clock.override(providers.Object(BrokenClock()))
    with TestClient(build_app(container)) as client:
        yield client
    container.clock.reset_override()


def test_an_unexpected_error_is_a_500_problem_without_internals(
    broken_client: TestClient[Any],
) -> None:
    response = broken_client.post("/api/chat/init", headers=bearer("alice"))
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "internal_error"
    assert "battery" not in response.text
    assert "Traceback" not in response.text


def test_an_unexpected_error_is_logged_with_its_traceback_and_request_id(
    broken_client: TestClient[Any],
) -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        broken_client.post(
            "/api/chat/init", headers=bearer("alice") | {"X-Request-ID": "bug-hunt-1"}
        )
    failures = [line for line in lines if line["event"] == "unhandled_error"]
    assert len(failures) == 1
    assert failures[0]["request_id"] == "bug-hunt-1"
    assert isinstance(failures[0]["exc_info"], RuntimeError)
    assert "battery" in str(failures[0]["exc_info"])
