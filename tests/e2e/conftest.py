"""The whole service over HTTP: the Litestar app from the real container, on PostgreSQL."""

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.python import asgi

from adapters.auth.dev import issue_dev_token
from entrypoints.asgi import build_app
from entrypoints.container import Container
from entrypoints.settings import Settings

DEV_SECRET = "a-dev-secret-for-tests-only-0123456789abcdef"

Headers = dict[str, str]


def bearer(user_id: str, *, email: str | None = None, name: str | None = None) -> Headers:
    """Authorization headers of a dev token for `user_id`."""
    token = issue_dev_token(DEV_SECRET, user_id, email=email, name=name)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def settings(clean_database: str, tmp_path: Path) -> Settings:
    """What `make run` would use, against the test database; tests `replace` what they need."""
    return Settings(
        database_url=clean_database,
        data_dir=tmp_path,
        dev_secret=DEV_SECRET,
        rate_limit_per_minute=0,
        db_pool_min=1,
        db_pool_max=20,
    )


@pytest.fixture
def container(settings: Settings) -> Container:
    return Container(settings=settings)


@pytest.fixture
def fuzzed_app(settings: Settings) -> Iterator[Litestar]:
    """The app of the real container, for Schemathesis to drive on its own event loop; its
    lifespan (the database pool) is ended before the test database is emptied."""
    app = build_app(Container(settings=settings))
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[object]]:
    with TestClient(build_app(container)) as test_client:
        yield test_client


@pytest.fixture
def client_with(
    settings: Settings,
) -> Iterator[Callable[..., TestClient[object]]]:
    """A client over settings changed by keyword, e.g. `client_with(rate_limit_per_minute=5)`."""
    opened: list[TestClient[object]] = []

    def open_client(**changes: object) -> TestClient[object]:
        test_client = TestClient(build_app(Container(settings=replace(settings, **changes))))
        opened.append(test_client.__enter__())
        return test_client

    yield open_client
    for test_client in opened:
        test_client.__exit__(None, None, None)
