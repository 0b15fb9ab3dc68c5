"""Running a piece of work in a unit of work, tried again when it lost a race."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from application.errors import ConcurrentUpdate
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

ATTEMPTS = 5
T = TypeVar("T")
_log = structlog.get_logger(__name__)


async def in_transaction(
    new_unit_of_work: UnitOfWorkFactory, work: Callable[[UnitOfWork], Awaitable[T]]
) -> T:
    """Run `work` in a fresh unit of work and commit; start over on `ConcurrentUpdate`.

    `work` must build everything it writes afresh on every call. After `ATTEMPTS` lost races
    the last `ConcurrentUpdate` is raised.
    """
    attempt = 1
    while True:
        try:
            return await _run_once(new_unit_of_work, work)
        except ConcurrentUpdate:
            if attempt == ATTEMPTS:
                raise
            _log.info("transaction_retried", attempt=attempt)
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311
            attempt += 1


async def _run_once(
    new_unit_of_work: UnitOfWorkFactory, work: Callable[[UnitOfWork], Awaitable[T]]
) -> T:
    async with new_unit_of_work() as unit_of_work:
        result = await work(unit_of_work)
        await unit_of_work.commit()
        return result
