"""The `parley` command: serve, migrate, dev-token and agents."""

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar

import httpx
import uvicorn

from adapters.auth.clerk_users import fetch_clerk_users, load_clerk_export
from adapters.auth.dev import issue_dev_token
from application.context import UseCaseContext
from application.principal import Principal
from application.use_cases.agents import add_agent, list_agents, sync_agents
from entrypoints.container import Container, dev_secret, start_store
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, SettingsError, settings_from

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = settings_from()
    except SettingsError as wrong:
        print(f"parley: {wrong}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format)
    command: Callable[[argparse.Namespace, Settings], int] = arguments.run
    try:
        return command(arguments, settings)
    except SettingsError as wrong:
        print(f"parley: {wrong}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, then serve the HTTP API")
    serve.add_argument("--host", help="overrides PARLEY_HOST")
    serve.add_argument("--port", type=int, help="overrides PARLEY_PORT")
    serve.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)

    token = commands.add_parser("dev-token", help="print a dev-mode bearer token for a user")
    token.add_argument("user_id")
    token.add_argument("--email")
    token.add_argument("--name")
    token.add_argument("--hours", type=float, default=12.0, help="validity (default 12)")
    token.set_defaults(run=_dev_token)

    agents = commands.add_parser("agents", help="provision and list agents").add_subparsers(
        required=True, metavar="ACTION"
    )
    add = agents.add_parser("add", help="provision one agent")
    add.add_argument("external_id", help="the user id of the agent's sign-in (its `sub`)")
    add.add_argument("--email")
    add.add_argument("--name")
    add.set_defaults(run=_agents_add)
    agents.add_parser("list", help="list every agent").set_defaults(run=_agents_list)
    sync = agents.add_parser("sync", help="provision every user of a Clerk instance")
    source = sync.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-file", type=Path, help="a JSON list of Clerk user objects")
    source.add_argument(
        "--from-clerk", action="store_true", help="Clerk's Backend API, with CLERK_SECRET_KEY"
    )
    sync.set_defaults(run=_agents_sync)
    return parser


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again to the
    # handler it found: make that handler end the process normally.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit_normally)
    uvicorn.run(
        "entrypoints.asgi:create_asgi_app",
        factory=True,
        host=arguments.host or settings.host,
        port=settings.port if arguments.port is None else arguments.port,
        workers=arguments.workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
        server_header=False,
    )
    return 0


def _exit_normally(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def _migrate(_: argparse.Namespace, settings: Settings) -> int:
    async def migrate() -> None:
        database = Container(settings=settings).database()
        try:
            await start_store(database)
        finally:
            await database.stop()

    asyncio.run(migrate())
    print("parley: the database schema is up to date")
    return 0


def _dev_token(arguments: argparse.Namespace, settings: Settings) -> int:
    if settings.auth_mode != "dev":
        print("parley: dev tokens exist only with PARLEY_AUTH_MODE=dev", file=sys.stderr)
        return 2
    token = issue_dev_token(
        dev_secret(settings),
        arguments.user_id,
        email=arguments.email,
        name=arguments.name,
        ttl=timedelta(hours=arguments.hours),
    )
    print(token)
    return 0


def _agents_add(arguments: argparse.Namespace, settings: Settings) -> int:
    principal = Principal(arguments.external_id, arguments.email, arguments.name)
    agent = _with_context(settings, lambda context: add_agent(context, principal))
    print(f"{agent.id}\t{agent.external_user_id}\t{agent.email or ''}\t{agent.name or ''}")
    return 0


def _agents_list(_: argparse.Namespace, settings: Settings) -> int:
    for agent in _with_context(settings, list_agents):
        print(f"{agent.id}\t{agent.external_user_id}\t{agent.email or ''}\t{agent.name or ''}")
    return 0


def _agents_sync(arguments: argparse.Namespace, settings: Settings) -> int:
    async def principals(container: Container) -> list[Principal]:
        if arguments.from_file is not None:
            return load_clerk_export(arguments.from_file)
        secret = settings.clerk_secret_key
        if not secret:
            raise SettingsError("agents sync --from-clerk needs CLERK_SECRET_KEY")
        return await fetch_clerk_users(container.http_client(), secret, settings.clerk_api_url)

    async def sync(container: Container, context: UseCaseContext) -> str:
        report = await sync_agents(context, await principals(container))
        return f"parley: {len(report.added)} agents added, {report.already_known} already known"

    try:
        print(_with_container(settings, sync))
    except (SettingsError, ValueError, OSError, httpx.HTTPError) as failed:
        print(f"parley: {failed}", file=sys.stderr)
        return 1
    return 0


def _with_context(settings: Settings, work: Callable[[UseCaseContext], Awaitable[T]]) -> T:
    async def run(_: Container, context: UseCaseContext) -> T:
        return await work(context)

    return _with_container(settings, run)


def _with_container(
    settings: Settings, work: Callable[[Container, UseCaseContext], Awaitable[T]]
) -> T:
    async def run() -> T:
        container = Container(settings=settings)
        database = container.database()
        try:
            await start_store(database)
            return await work(container, container.use_case_context())
        finally:
            await database.stop()
            await container.http_client().aclose()

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
