"""`/health`: is the process alive, and can it reach its database."""

from litestar import Controller, get
from litestar.openapi import ResponseSpec

from adapters.http.dependencies import Readiness
from adapters.http.problems import ProblemException
from adapters.http.schemas import HealthOut, Problem


class HealthController(Controller):
    path = "/health"
    tags = ["health"]  # noqa: RUF012

    @get("/live", operation_id="live", summary="The process runs")
    async def live(self) -> HealthOut:
        return HealthOut(status="ok")

    @get(
        "/ready",
        operation_id="ready",
        summary="The database answers",
        responses={503: ResponseSpec(Problem, media_type="application/problem+json")},
    )
    async def ready(self, readiness: Readiness) -> HealthOut:
        if not await readiness():
            raise ProblemException(503, "not_ready", "the database does not answer")
        return HealthOut(status="ok")
