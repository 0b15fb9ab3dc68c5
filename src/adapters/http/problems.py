"""Every error as RFC 9457 problem details with a stable `code`, mapped in one place."""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from adapters.http.presenters import message_out
from adapters.http.schemas import Problem
from application import errors as app
from domain import errors as domain

PROBLEM_JSON = "application/problem+json"
AnyRequest = Request[Any, Any, Any]
_log = structlog.get_logger("parley.http")


@dataclass(frozen=True, slots=True)
class Kind:
    status: int
    code: str


KINDS: dict[type[Exception], Kind] = {
    app.InvalidRequest: Kind(400, "invalid_request"),
    domain.InvalidContent: Kind(400, "invalid_request"),
    domain.InvalidTitle: Kind(400, "invalid_request"),
    domain.InvalidAgentIdentity: Kind(401, "invalid_token"),
    app.AgentNotProvisioned: Kind(403, "agent_not_provisioned"),
    domain.CannotReply: Kind(403, "cannot_reply"),
    app.ConversationNotFound: Kind(404, "conversation_not_found"),
    domain.NotAParticipant: Kind(404, "conversation_not_found"),
    app.ChatSessionNotFound: Kind(404, "chat_session_not_found"),
    app.IdempotencyConflict: Kind(409, "idempotency_conflict"),
    app.IdempotencyInProgress: Kind(409, "idempotency_in_progress"),
    domain.ConversationArchived: Kind(409, "conversation_archived"),
    app.NothingToReply: Kind(409, "nothing_to_reply"),
    app.AssistantUnavailable: Kind(502, "assistant_unavailable"),
    app.StoreUnavailable: Kind(503, "database_unavailable"),
    app.ConcurrentUpdate: Kind(503, "database_unavailable"),
    domain.DomainError: Kind(400, "invalid_request"),
}

HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
    503: "not_ready",
}


class ProblemException(HTTPException):
    """Raised by the adapter itself to answer with a problem of a given code."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.code = code


def problem_body(status: int, code: str, detail: str, **extra: object) -> Problem:
    return Problem(
        type=f"urn:parley:problem:{code}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        **extra,  # type: ignore[arg-type]
    )


def problem_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: object
) -> Response[bytes]:
    return _response(problem_body(status, code, detail, **extra), headers)


def _response(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def kind_of(error: Exception) -> Kind | None:
    for cls in type(error).__mro__:
        if cls in KINDS:
            return KINDS[cls]
    return None


def problem_of(error: Exception, kind: Kind) -> Problem:
    """The problem a domain or application error of `kind` answers with; a failed assistant's
    carries the conversation and the stored message, for the client to show and retry."""
    if isinstance(error, app.AssistantUnavailable):
        return problem_body(
            kind.status,
            kind.code,
            str(error),
            conversation_id=error.conversation_id,
            user_message=message_out(error.user_message),
        )
    return problem_body(kind.status, kind.code, str(error))


def handle_known(request: AnyRequest, error: Exception) -> Response[bytes]:
    """Domain and application errors: each has its status and code."""
    kind = kind_of(error)
    if kind is None:
        return handle_unexpected(request, error)
    headers = None
    if isinstance(error, app.IdempotencyInProgress):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    if kind.status >= 500:
        _log.warning("request_failed", code=kind.code, reason=str(error))
    return _response(problem_of(error, kind), headers)


def handle_http(_: AnyRequest, error: HTTPException) -> Response[bytes]:
    """Litestar's own errors: bad JSON, validation, unknown routes and methods, size, auth."""
    if isinstance(error, ProblemException):
        return problem_response(error.status_code, error.code, error.detail, error.headers)
    code = HTTP_CODES.get(error.status_code, "http_error")
    detail = _validation_detail(error) if isinstance(error, ValidationException) else error.detail
    return problem_response(error.status_code, code, detail, error.headers)


def handle_unexpected(request: AnyRequest, error: Exception) -> Response[bytes]:
    """Anything else is a bug: logged with its traceback, answered without internals."""
    _log.error("unhandled_error", path=request.url.path, exc_info=error)
    return _response(unexpected_problem())


def unexpected_problem() -> Problem:
    """What a bug answers: no internals, only that it was logged."""
    return problem_body(500, "internal_error", "an unexpected error occurred; it was logged")


def _validation_detail(error: ValidationException) -> str:
    messages = []
    for item in error.extra if isinstance(error.extra, list) else []:
        if isinstance(item, dict):
            key = item.get("key") or item.get("source") or "body"
            messages.append(f"{key}: {item.get('message', 'is not valid')}")
    return "; ".join(messages) or str(error.detail) or "the request does not validate"
