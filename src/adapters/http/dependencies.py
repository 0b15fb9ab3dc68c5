"""What handlers receive from the app's dependencies, by name."""

from collections.abc import Awaitable, Callable

from litestar.di import NamedDependency

from adapters.http.rate_limit import RateLimiter
from application.context import UseCaseContext

ReadinessCheck = Callable[[], Awaitable[bool]]

Context = NamedDependency[UseCaseContext]
Limiter = NamedDependency[RateLimiter]
Readiness = NamedDependency[ReadinessCheck]
