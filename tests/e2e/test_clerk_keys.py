"""Clerk mode with a JWKS URL, through the app: tokens verify with the published keys, which
are kept; while the JWKS server hangs on a refetch, only the requests that need the key it
would bring wait, and the rest are answered.

The caching rules themselves (fetched once, an unknown `kid` refetches at most once per
interval, known keys keep verifying while the JWKS server is down) are tested on `JwksKeys`
in tests/unit/auth/test_jwks_keys.py.
"""

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from dependency_injector import providers
from litestar.testing import TestClient

from adapters.auth.clerk import ClerkTokenVerifier
from adapters.auth.jwks import JwksKeys
from e2e.helpers import assert_problem
from entrypoints.asgi import build_app
from entrypoints.container import Container
from entrypoints.settings import Settings

HOLD_AT_MOST_S = 30.0
CLIENT_TIMEOUT_S = 15.0
WAIT_S = 20.0


class HangingJwks:
    """A JWKS endpoint on the loopback: its first answer publishes `key-1`; every later fetch
    hangs until `release()`, then publishes `key-1` and `key-2`."""

    def __init__(self, first: rsa.RSAPrivateKey, second: rsa.RSAPrivateKey) -> None:
        self._keys = {"key-1": first, "key-2": second}
        self._lock = threading.Lock()
        self._fetches = 0
        self._released = threading.Event()
        self._stopped = False
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/.well-known/jwks.json"

    @property
    def fetches(self) -> int:
        with self._lock:
            return self._fetches

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        """Close the listening socket: from now on connections are refused."""
        self.release()
        if not self._stopped:
            self._stopped = True
            self._httpd.shutdown()
            self._httpd.server_close()

    def _document(self) -> bytes:
        with self._lock:
            self._fetches += 1
            first = self._fetches == 1
        if not first:
            self._released.wait(HOLD_AT_MOST_S)
        published = ["key-1"] if first else ["key-1", "key-2"]
        keys = [
            {
                **jwt.algorithms.RSAAlgorithm.to_jwk(self._keys[kid].public_key(), as_dict=True),
                "kid": kid,
                "alg": "RS256",
                "use": "sig",
            }
            for kid in published
        ]
        return json.dumps({"keys": keys}).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body = jwks._document()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


@pytest.fixture(scope="module")
def signing_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    first = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    second = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return first, second


@pytest.fixture
def jwks(signing_keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]) -> Iterator[HangingJwks]:
    server = HangingJwks(*signing_keys)
    yield server
    server.stop()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {WAIT_S} s"
        time.sleep(0.02)


@pytest.fixture
def clerk_server(settings: Settings, jwks: HangingJwks) -> Iterator[str]:
    """The app in Clerk mode behind a real uvicorn server on the loopback. Its keys refetch on
    every unknown `kid` (no interval, so that the test need not wait one out) and wait up to
    `HOLD_AT_MOST_S` for the JWKS server; everything else is as the container builds it."""
    clerk = replace(settings, auth_mode="clerk", clerk_jwks_url=jwks.url, auto_provision=True)
    container = Container(settings=clerk)
    keys = JwksKeys(
        container.http_client(), jwks.url, refetch_interval_s=0, timeout_s=HOLD_AT_MOST_S
    )
    container.token_verifier.override(providers.Object(ClerkTokenVerifier(keys, None, frozenset())))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(container), host="127.0.0.1", port=port, log_config=None, access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the server did not start")
    yield f"http://127.0.0.1:{port}"
    jwks.release()
    server.should_exit = True
    thread.join(timeout=30)


def token(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    claims = {"sub": "user_clerk_1", "exp": int(time.time()) + 300}
    signed = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    return {"Authorization": f"Bearer {signed}"}


def test_the_app_verifies_tokens_with_the_keys_of_its_jwks_url_fetched_once(
    settings: Settings,
    jwks: HangingJwks,
    signing_keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey],
) -> None:
    first, second = signing_keys
    clerk = replace(settings, auth_mode="clerk", clerk_jwks_url=jwks.url, auto_provision=True)
    with TestClient(build_app(Container(settings=clerk))) as client:
        before = client.get("/api/conversations", headers=token(first, "key-1"))
        jwks.stop()
        while_down = [client.get("/api/conversations", headers=token(first, "key-1"))]
        while_down.append(
            client.post("/api/chat", json={"message": "hi"}, headers=token(first, "key-1"))
        )
        unknown = client.get("/api/conversations", headers=token(second, "key-2"))

    assert before.status_code == 200, before.text
    assert [response.status_code for response in while_down] == [200, 201]
    assert_problem(unknown, 401, "invalid_token")
    assert jwks.fetches == 1


def test_while_the_jwks_server_hangs_on_a_new_kid_other_requests_are_answered(
    clerk_server: str,
    jwks: HangingJwks,
    signing_keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey],
) -> None:
    first, second = signing_keys
    known, new = token(first, "key-1"), token(second, "key-2")
    with (
        httpx.Client(base_url=clerk_server, timeout=CLIENT_TIMEOUT_S, trust_env=False) as http,
        ThreadPoolExecutor(1) as waiting,
    ):
        before = http.get("/api/conversations", headers=known)
        assert before.status_code == 200, before.text
        assert jwks.fetches == 1

        held = waiting.submit(http.get, "/api/conversations", headers=new)
        wait_until(lambda: jwks.fetches == 2 or held.done(), "no refetch for the new kid")
        live = http.get("/health/live")
        listed = [http.get("/api/conversations", headers=known) for _ in range(3)]
        sent = http.post("/api/chat", json={"message": "still here?"}, headers=known)
        still_held = not held.done()
        jwks.release()
        after = held.result()

    assert still_held, f"the request with the new kid did not wait for its key: {after.text}"
    assert live.status_code == 200, live.text
    assert [response.status_code for response in listed] == [200] * 3
    assert sent.status_code == 201, sent.text
    assert after.status_code == 200, after.text
    assert jwks.fetches == 2
