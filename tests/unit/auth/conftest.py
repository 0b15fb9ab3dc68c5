"""The auth adapters' world: RSA keys made here, and real HTTP servers on the loopback.

The servers are `ThreadingHTTPServer`s in their own threads, so a client that blocked the
event loop would show as a stalled loop, not as a deadlock. Test modules cannot import this
file (pytest runs with `--import-mode=importlib`), so what they need is handed out as fixtures.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def json(cls, document: object, status: int = 200) -> "Response":
        return cls(status, json.dumps(document).encode())


@dataclass
class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 that answers every GET with `respond(request)`.

    It keeps every request it was sent; `delay_s` holds each answer back that long.
    """

    respond: Callable[[Request], Response]
    delay_s: float = 0.0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def answer(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.respond(request)

    def stop(self) -> None:
        """Close the listening socket: from now on connections are refused."""
        if not self._stopped:
            self._stopped = True
            self._httpd.shutdown()
            self._httpd.server_close()


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = Request(parts.path, parse_qs(parts.query), dict(self.headers.items()))
            response = server.answer(request)
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
            pass

    return Handler


@pytest.fixture
def loopback_server() -> Iterator[Callable[[Callable[[Request], Response]], LoopbackServer]]:
    """Starts loopback servers; every one of them is stopped when the test ends."""
    started: list[LoopbackServer] = []

    def start(respond: Callable[[Request], Response]) -> LoopbackServer:
        server = LoopbackServer(respond)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def json_response() -> Callable[..., Response]:
    """`json_response(document, status=200)`: an answer for a loopback server."""
    return Response.json


@dataclass
class JwksServer:
    """A JWKS endpoint that serves `keys` (kid -> private key, published as public JWKs).

    `garbage` makes it answer a body that is no JWKS document; `failing` makes it answer 503.
    """

    keys: dict[str, rsa.RSAPrivateKey]
    garbage: bool = False
    failing: bool = False
    http: LoopbackServer | None = None

    def respond(self, request: Request) -> Response:
        if self.failing:
            return Response.json({"error": "unavailable"}, status=503)
        if self.garbage:
            return Response(200, b"<html>not a key set</html>", "text/html")
        return Response.json({"keys": [public_jwk(kid, key) for kid, key in self.keys.items()]})

    @property
    def server(self) -> LoopbackServer:
        assert self.http is not None
        return self.http

    @property
    def url(self) -> str:
        return f"{self.server.url}/.well-known/jwks.json"

    @property
    def fetches(self) -> int:
        return self.server.request_count


def public_jwk(kid: str, key: rsa.RSAPrivateKey) -> dict[str, object]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def rotated_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def stranger_key() -> rsa.RSAPrivateKey:
    """A key nobody published."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_server(loopback_server, signing_key) -> JwksServer:
    """A JWKS endpoint publishing `signing_key` as kid "key-1"."""
    jwks = JwksServer({"key-1": signing_key})
    jwks.http = loopback_server(jwks.respond)
    return jwks


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


class ManualTime:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def manual_time() -> ManualTime:
    return ManualTime()


def pem_of(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def public_pem() -> Callable[[rsa.RSAPrivateKey], str]:
    """The PEM (SubjectPublicKeyInfo) of a key's public half."""
    return pem_of


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, object], claims: dict[str, object], secret: bytes | None) -> str:
    """A compact JWT built by hand: HS256-signed with `secret`, or unsigned when it is None."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if secret is None:
        return f"{signing_input}."
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture
def forged_token() -> Callable[[dict[str, object], dict[str, object], bytes | None], str]:
    """Builds tokens PyJWT would refuse to make: `alg: none`, HMAC keyed with a PEM."""
    return forge
