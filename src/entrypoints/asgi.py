"""The ASGI application, built from the container: `uvicorn entrypoints.asgi:create_asgi_app
--factory`, or `parley serve`."""

import structlog
from litestar import Litestar

from adapters.auth.dev import issue_dev_token
from adapters.http.app import HttpServices, create_app
from adapters.http.controllers.dev import DevTokenIssuer
from entrypoints.container import Container, dev_secret, start_store
from entrypoints.logs import configure_logging
from entrypoints.settings import settings_from

_log = structlog.get_logger("parley")


def build_app(container: Container) -> Litestar:
    """The Litestar app over the container's adapters; the database opens in its lifespan."""
    settings = container.settings()
    database = container.database()
    http_client = container.http_client()

    async def start() -> None:
        await start_store(database)

    async def announce() -> None:
        if settings.auth_mode == "dev":
            _log.warning(
                "dev_auth_mode",
                detail="PARLEY_AUTH_MODE=dev accepts self-signed dev tokens: for local use only",
            )
        _log.info("parley_started", store=settings.store, assistant=settings.assistant)

    context = container.use_case_context()

    async def finish_replies() -> None:
        await context.background.drain(timeout_s=settings.assistant_timeout_s)

    async def farewell() -> None:
        _log.info("parley_stopped")

    issuer = dev_token_issuer(dev_secret(settings)) if settings.auth_mode == "dev" else None
    services = HttpServices(
        context=context,
        token_verifier=container.token_verifier(),
        readiness=database.is_ready,
        rate_limiter=container.rate_limiter(),
        max_body_bytes=settings.max_body_bytes,
        on_startup=(start, announce),
        on_shutdown=(finish_replies, database.stop, http_client.aclose, farewell),
        dev_token_issuer=issuer,
    )
    return create_app(services)


def dev_token_issuer(secret: str) -> DevTokenIssuer:
    """What `POST /dev/token` signs with: the dev tokens the verifier accepts."""

    def issue(user_id: str, email: str | None, name: str | None) -> str:
        return issue_dev_token(secret, user_id, email=email, name=name)

    return issue


def create_asgi_app() -> Litestar:
    settings = settings_from()
    configure_logging(settings.log_format)
    return build_app(Container(settings=settings))
