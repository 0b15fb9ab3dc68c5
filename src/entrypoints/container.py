"""The composition root: every port gets its adapter here, from the settings, and nowhere else."""

import httpx
import structlog
from dependency_injector import containers, providers

from adapters.assistant.echo import EchoAssistant
from adapters.assistant.openai import DEFAULT_SYSTEM_PROMPT, OpenAICompatibleAssistant, OpenAIConfig
from adapters.auth.clerk import ClerkTokenVerifier
from adapters.auth.dev import DevTokenVerifier
from adapters.auth.dev_secret import load_or_create_dev_secret
from adapters.auth.jwks import JwksKeys
from adapters.clock import SystemClock
from adapters.http.rate_limit import RateLimiter
from adapters.log_events import LoggingPublisher
from adapters.memory.database import MemoryDatabase
from adapters.postgres.database import PostgresDatabase
from adapters.postgres.roles import ServiceRoleRefused
from application.context import UseCaseContext
from application.ports.tokens import TokenVerifier
from entrypoints.settings import Settings, SettingsError

_log = structlog.get_logger("parley")


def dev_secret(settings: Settings) -> str:
    return settings.dev_secret or load_or_create_dev_secret(settings.data_dir)


def clerk_verifier(settings: Settings, client: httpx.AsyncClient) -> TokenVerifier:
    keys = (
        JwksKeys(client, settings.clerk_jwks_url)
        if settings.clerk_jwks_url
        else (settings.clerk_jwt_key or "").replace("\\n", "\n")
    )
    return ClerkTokenVerifier(keys, settings.clerk_issuer, settings.clerk_authorized_parties)


def openai_config(settings: Settings) -> OpenAIConfig:
    return OpenAIConfig(
        base_url=settings.openai_base_url or "",
        model=settings.openai_model or "",
        api_key=settings.openai_api_key,
        system_prompt=settings.system_prompt or DEFAULT_SYSTEM_PROMPT,
        history_chars=settings.assistant_history_chars,
        connect_timeout_s=settings.assistant_connect_timeout_s,
        first_token_timeout_s=settings.assistant_first_token_timeout_s,
        max_retries=settings.assistant_retries,
    )


async def start_store(database: PostgresDatabase | MemoryDatabase) -> None:
    """Start the store; a service role it refuses is a setting to change (`SettingsError`)."""
    try:
        await database.start()
    except ServiceRoleRefused as refused:
        raise SettingsError(
            f"{refused}. Parley serves as a role that is no superuser, has no BYPASSRLS and owns"
            " no table: name one in PARLEY_APP_DATABASE_URL (PARLEY_DATABASE_URL is the"
            " owner's, for migrations)"
        ) from None


class Container(containers.DeclarativeContainer):
    """Build with `Container(settings=...)`; tests override any provider."""

    settings = providers.Dependency(instance_of=Settings)

    publisher = providers.Singleton(LoggingPublisher)
    clock = providers.Singleton(SystemClock)
    http_client = providers.Singleton(httpx.AsyncClient, timeout=10.0)

    database = providers.Selector(
        settings.provided.store,
        postgres=providers.Singleton(
            PostgresDatabase,
            url=settings.provided.database_url,
            service_url=settings.provided.app_database_url,
            data_dir=settings.provided.data_dir,
            publisher=publisher,
            pool_min=settings.provided.db_pool_min,
            pool_max=settings.provided.db_pool_max,
            pool_timeout_s=settings.provided.db_pool_timeout_s,
        ),
        memory=providers.Singleton(MemoryDatabase, publisher=publisher),
    )

    assistant = providers.Selector(
        settings.provided.assistant,
        echo=providers.Singleton(EchoAssistant),
        openai=providers.Singleton(
            OpenAICompatibleAssistant, http_client, providers.Callable(openai_config, settings)
        ),
    )

    token_verifier = providers.Selector(
        settings.provided.auth_mode,
        dev=providers.Singleton(DevTokenVerifier, secret=providers.Callable(dev_secret, settings)),
        clerk=providers.Singleton(clerk_verifier, settings, http_client),
    )

    use_case_context = providers.Singleton(
        UseCaseContext,
        new_unit_of_work=database.provided.new_unit_of_work,
        clock=clock,
        assistant=assistant,
        policy=settings.provided.policy.call(),
    )

    rate_limiter = providers.Singleton(
        RateLimiter, per_minute=settings.provided.rate_limit_per_minute
    )
