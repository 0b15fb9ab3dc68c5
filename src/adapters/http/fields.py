"""Checks on request fields that the schema cannot express, answered as 400 naming the field."""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from adapters.http.problems import ProblemException
from domain.errors import DomainError

P = ParamSpec("P")
T = TypeVar("T")


def field_checked(field: str, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`check(*args)`, with a refusal turned into 400 `invalid_request` naming `field`."""
    try:
        return check(*args, **kwargs)
    except DomainError as refused:
        raise ProblemException(400, "invalid_request", f"{field}: {refused}") from None
