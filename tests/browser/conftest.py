"""The chat page in a real browser: Debian's Chromium, headless, driven by Playwright, against the
real `parley serve` process on a free port with a fresh data dir (as `make run` starts it).

No browser is downloaded: Playwright launches `/usr/bin/chromium` (`make test-browser` installs
Debian's package when it is missing). Screenshots go to `tests/browser/artifacts/`.
"""

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from server_process import Server, servers, start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
EXPECT_TIMEOUT_MS = 10_000


@contextmanager
def running_parley(logs: Path, **environment: str) -> Iterator[Server]:
    """`parley serve` on a free port over a fresh data dir, with `PARLEY_*` settings added;
    stopped with SIGTERM at the end (killed, with its PostgreSQL, if it will not stop)."""
    # Not under pytest's temporary folder, whose 0700 mode would lock out the system user the
    # embedded PostgreSQL runs as under root (see tests/conftest.py).
    data_dir = Path(tempfile.mkdtemp(prefix="parley-browser-"))
    try:
        with servers(data_dir) as started:
            server = start_server(data_dir, logs, started, **environment)
            yield server
            server.terminate()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def api(server: Server, token: str) -> httpx.Client:
    """The public API as the holder of `token` sees it."""
    return server.client({"Authorization": f"Bearer {token}"})


def dev_token(server: Server, user_id: str) -> str:
    with server.client() as http:
        answer = http.post("/dev/token", json={"user_id": user_id})
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test-browser` installs it"
    ARTIFACTS.mkdir(exist_ok=True)
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@contextmanager
def opened_page(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    """A page in a context of its own (its own storage: a person of their own)."""
    context: BrowserContext = browser.new_context(viewport=viewport)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"the page's script failed: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with opened_page(browser, DESKTOP) as desktop_page:
        yield desktop_page


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    with opened_page(browser, PHONE) as small_page:
        yield small_page


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """`new_page()` opens one more desktop-sized page, of another person, closed at the end."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(opened_page(browser, DESKTOP))


def screenshot(page: Page, name: str) -> Path:
    """A PNG of the whole window in `tests/browser/artifacts/`."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 0
    return path
