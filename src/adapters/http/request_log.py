"""One structured log line per request, and a request id on every response."""

import re
import time
from uuid import uuid4

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_log = structlog.get_logger("parley.http")
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestLog:
    """ASGI middleware: takes `X-Request-ID` (or makes one), binds it to every log line of the
    request, echoes it on the response, and logs route, status and duration at the end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _log.info(
                "request",
                method=scope.get("method"),
                path=scope["path"],
                route=scope.get("path_template"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _ACCEPTABLE_ID.match(candidate):
                return candidate
    return uuid4().hex
