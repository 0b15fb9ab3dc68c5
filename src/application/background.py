"""Work that must finish even when the request that started it goes away."""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import structlog

from application.errors import ApplicationError

T = TypeVar("T")
_log = structlog.get_logger(__name__)


class BackgroundTasks:
    """Keeps the tasks it spawns alive until they end, and lets shutdown wait for them."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, T]) -> "asyncio.Task[T]":
        task = asyncio.get_running_loop().create_task(work)
        self._running.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: "asyncio.Task[Any]") -> None:
        self._running.discard(task)
        if task.cancelled():
            return
        failure = task.exception()  # read here too, for a task whose requester went away
        if failure is not None and not isinstance(failure, ApplicationError):
            _log.error("background_task_failed", exc_info=failure)

    async def drain(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for every running task to end."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout_s)
