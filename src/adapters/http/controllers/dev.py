"""`POST /dev/token`: a dev-mode bearer token for a user id, for the chat page's sign-in.

It exists only in `dev` mode (the app registers it only when given an issuer), so in `clerk`
mode the path is unknown: 404. It is no part of API.md's contract and stays out of the schema.
"""

from collections.abc import Callable
from typing import Annotated

import msgspec
from litestar import post
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from msgspec import Meta

from adapters.http.problems import ProblemException

DevTokenIssuer = Callable[[str, str | None, str | None], str]
"""`issue(user_id, email, name)`: a signed dev token for a non-blank user id."""

NO_NUL = r"^[^\x00]*$"
UserId = Annotated[str, Meta(min_length=1, max_length=255, pattern=NO_NUL)]
Email = Annotated[str, Meta(min_length=1, max_length=320, pattern=NO_NUL)]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]


class DevTokenIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    user_id: UserId
    email: Email | None = None
    name: Name | None = None


class DevTokenOut(msgspec.Struct, kw_only=True):
    token: str


def dev_token_handler(issue: DevTokenIssuer) -> HTTPRouteHandler:
    @post(
        "/dev/token",
        include_in_schema=False,
        status_code=201,
        sync_to_thread=False,
        name="dev_token",
    )
    def dev_token(data: JSONBody[DevTokenIn]) -> DevTokenOut:
        """A dev token for `user_id` (with `email` and `name` claims when given)."""
        if not data.user_id.strip():
            raise ProblemException(400, "invalid_request", "user_id: must not be blank")
        return DevTokenOut(token=issue(data.user_id, data.email, data.name))

    return dev_token
