"""The error responses each route documents in the OpenAPI schema."""

from http import HTTPStatus

from litestar.openapi import ResponseSpec

from adapters.http.schemas import Problem

COMMON = (400, 401, 403, 429, 503)


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem-details responses for `statuses` plus the ones every API route can give."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(status).phrase,
            media_type="application/problem+json",
        )
        for status in sorted({*COMMON, *statuses})
    }
