"""The Litestar application of API.md, built from what the composition root hands it."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp

from adapters.http.auth import BearerAuthentication
from adapters.http.controllers.chat import ChatController
from adapters.http.controllers.chat_sessions import ChatSessionController
from adapters.http.controllers.conversations import ConversationController
from adapters.http.controllers.dev import DevTokenIssuer, dev_token_handler
from adapters.http.controllers.health import HealthController
from adapters.http.dependencies import ReadinessCheck
from adapters.http.openapi import refine
from adapters.http.options import answer_options_with_every_method
from adapters.http.page import page_handlers
from adapters.http.problems import handle_http, handle_known, handle_unexpected
from adapters.http.rate_limit import RateLimiter
from adapters.http.request_log import RequestLog
from application.context import UseCaseContext
from application.errors import ApplicationError
from application.ports.tokens import TokenVerifier
from domain.errors import DomainError

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class HttpServices:
    """Everything the HTTP adapter needs, made by the composition root."""

    context: UseCaseContext
    token_verifier: TokenVerifier
    readiness: ReadinessCheck
    rate_limiter: RateLimiter
    max_body_bytes: int
    on_startup: Sequence[Hook] = field(default_factory=tuple)
    on_shutdown: Sequence[Hook] = field(default_factory=tuple)
    dev_token_issuer: DevTokenIssuer | None = None
    """Set in `dev` mode only: then `POST /dev/token` exists, for the chat page's sign-in."""


def create_app(services: HttpServices) -> Litestar:
    api = Router(
        path="/api",
        route_handlers=[ChatController, ConversationController, ChatSessionController],
        middleware=[_bearer_authentication(services.token_verifier)],
        security=[{"bearer": []}],
    )
    dev = (
        [] if services.dev_token_issuer is None else [dev_token_handler(services.dev_token_issuer)]
    )
    page = page_handlers("token" if services.dev_token_issuer is None else "dev")
    app = Litestar(
        route_handlers=[api, HealthController, *dev, *page],
        dependencies={
            "context": _constant(services.context),
            "limiter": _constant(services.rate_limiter),
            "readiness": _constant(services.readiness),
        },
        exception_handlers={
            HTTPException: handle_http,
            ApplicationError: handle_known,
            DomainError: handle_known,
            Exception: handle_unexpected,
        },
        request_max_body_size=services.max_body_bytes,
        openapi_config=_openapi(),
        lifespan=[_lifespan(services)],
        logging_config=None,
        debug=False,
    )
    refine(app.openapi_schema, max_message_chars=services.context.policy.max_message_chars)
    answer_options_with_every_method(app)
    # Outermost, so that unknown routes and refused tokens are logged and carry the id too.
    app.asgi_handler = RequestLog(app.asgi_handler)
    return app


def _bearer_authentication(verifier: TokenVerifier) -> Callable[[ASGIApp], ASGIApp]:
    """The API's authentication, as a function: Litestar registers a deep copy of a router,
    and a function is not copied, so every request meets `verifier` itself (with its cached
    keys and its HTTP client, which could not be copied anyway)."""

    def middleware(app: ASGIApp) -> ASGIApp:
        return BearerAuthentication(app, verifier)

    return middleware


def _lifespan(services: HttpServices) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        for start in services.on_startup:
            await start()
        try:
            yield
        finally:
            for stop in services.on_shutdown:
                await stop()

    return lifespan


def _constant(value: object) -> Provide:
    def provide() -> object:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Parley",
        version="1.0.0",
        description="Keeps AI-chat conversations safe. Errors are RFC 9457 problem details.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
    )
