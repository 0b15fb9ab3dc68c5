"""Signing the page in: a user id for a dev token in `dev` mode (`POST /dev/token`, present in
that mode only), a token pasted or handed in `#token=` in `clerk` mode. The page and its files
are served without a token, and stay out of the API's schema."""

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import Page, expect

from browser.chat_page import ChatPage
from browser.conftest import api, running_parley, screenshot
from server_process import Server

ISSUER = "https://clerk.parley.test"
CLERK_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def clerk_token(user_id: str, *, name: str | None = None, expires_in_s: float = 600) -> str:
    """A session token as Clerk signs it (RS256), with the key the server pins."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iss": ISSUER, "iat": now, "exp": now + expires_in_s}
    if name is not None:
        claims["name"] = name
    return jwt.encode(claims, CLERK_KEY, algorithm="RS256")


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_parley(tmp_path_factory.mktemp("dev-server"), PARLEY_STORE="memory") as running:
        yield running


@pytest.fixture(scope="module")
def clerk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    public_pem = CLERK_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with running_parley(
        tmp_path_factory.mktemp("clerk-server"),
        PARLEY_STORE="memory",
        PARLEY_AUTH_MODE="clerk",
        PARLEY_CLERK_JWT_KEY=public_pem.decode(),
        PARLEY_CLERK_ISSUER=ISSUER,
        PARLEY_AUTO_PROVISION="true",
    ) as running:
        yield running


def test_the_dev_token_route_issues_a_token_that_the_api_accepts(dev_server: Server) -> None:
    with dev_server.client() as http:
        issued = http.post(
            "/dev/token", json={"user_id": "dev-dana", "email": "dana@example.com", "name": "Dana"}
        )
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "dev-dana"
    with api(dev_server, token) as http:
        listed = http.get("/api/conversations")
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": ""},
        {"user_id": "   "},
        {"user_id": "nul\u0000inside"},
        {"user_id": "x" * 256},
        {"user_id": "mallory", "sub": "someone-else"},
        {"user_id": "mallory", "email": "a\u0000b"},
        {"user_id": 42},
    ],
    ids=["empty", "blank", "spaces", "nul", "too-long", "unknown-field", "nul-email", "number"],
)
def test_the_dev_token_route_refuses_a_body_that_does_not_validate(
    dev_server: Server, body: dict[str, Any]
) -> None:
    with dev_server.client() as http:
        refused = http.post("/dev/token", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "invalid_request"


def test_the_page_and_its_files_are_served_without_a_token_and_not_in_the_schema(
    dev_server: Server,
) -> None:
    with dev_server.client() as http:
        index = http.get("/")
        script = http.get("/static/app.js")
        style = http.get("/static/app.css")
        missing = http.get("/static/nothing-here.js")
        schema = http.get("/schema/openapi.json").json()
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert 'data-auth="dev"' in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    assert missing.status_code == 404
    assert not [path for path in schema["paths"] if not path.startswith(("/api/", "/health/"))]


def test_in_clerk_mode_there_is_no_dev_token_route(clerk_server: Server) -> None:
    with clerk_server.client() as http:
        refused = http.post("/dev/token", json={"user_id": "mallory"})
        index = http.get("/")
    assert refused.status_code == 404, refused.text
    assert refused.json()["code"] == "not_found"
    assert 'data-auth="token"' in index.text


def test_in_clerk_mode_a_token_handed_in_the_fragment_signs_the_page_in(
    page: Page, clerk_server: Server
) -> None:
    token = clerk_token("user_2fragment", name="Frida Fragment")
    chat = ChatPage(page, clerk_server).open(f"#token={token}")
    expect(chat.message_box).to_be_visible()
    expect(page.locator("#account-name")).to_have_text("Frida Fragment")
    assert "token" not in page.evaluate("location.href")
    chat.new_button.click()
    chat.type_and_press_enter("Signed in by my app")
    expect(chat.assistant_says("Echo: Signed in by my app")).to_be_visible()
    with api(clerk_server, token) as http:
        listed = http.get("/api/conversations").json()["items"]
    assert [c["id"] for c in listed] == [chat.conversation_id()]

    fresh = clerk_token("user_2fragment", name="Frida Fragment", expires_in_s=900)
    page.evaluate("token => { location.hash = 'token=' + token }", fresh)
    expect(page).not_to_have_url(f"{clerk_server.url}/#token={fresh}")
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('parley.session')).token")
    assert stored == fresh


def test_in_clerk_mode_a_pasted_token_signs_in_and_an_expired_one_is_refused(
    page: Page, clerk_server: Server
) -> None:
    chat = ChatPage(page, clerk_server).open()
    token_box = page.get_by_label("Session token")
    expect(token_box).to_be_focused()
    expect(page.get_by_label("User id")).to_be_hidden()
    screenshot(page, "desktop-sign-in-with-a-token")
    token_box.fill(clerk_token("user_2pasted", expires_in_s=-60))
    token_box.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Sign in again")).to_be_visible()
    expect(token_box).to_be_focused()
    token_box.fill(clerk_token("user_2pasted", name="Paula Paste"))
    token_box.press("Enter")
    expect(page.locator("#account-name")).to_have_text("Paula Paste")
    chat.new_button.click()
    expect(chat.conversations).to_have_count(1)
