"""Clerk's users as principals: from an export file or from Clerk's Backend API."""

import json
from pathlib import Path

import httpx

from application.principal import Principal

CLERK_API_URL = "https://api.clerk.com/v1"
PAGE_SIZE = 100


def principals_from_clerk_users(data: object) -> list[Principal]:
    """The principals of a list of Clerk user objects (the shape of `GET /v1/users`).

    A list wrapped as `{"data": [...]}` (as Clerk's SDKs return it) is accepted too. The email
    is the one whose id is `primary_email_address_id` (none without a primary address); the
    name is `first_name` and `last_name` joined, else `username`. Fields may be missing or
    null. Raises `ValueError` naming the first malformed user.
    """
    if isinstance(data, dict) and "data" in data:
        data = data["data"]
    if not isinstance(data, list):
        raise ValueError("a Clerk user list must be a JSON array of user objects")
    return [_principal(index, user) for index, user in enumerate(data)]


def load_clerk_export(path: Path) -> list[Principal]:
    """The principals of a JSON file holding a list of Clerk user objects.

    Raises `ValueError` when the file is not JSON or not such a list, `OSError` when it
    cannot be read.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from error
    try:
        return principals_from_clerk_users(data)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


async def fetch_clerk_users(
    client: httpx.AsyncClient, secret_key: str, api_url: str = CLERK_API_URL
) -> list[Principal]:
    """Every user of the Clerk instance of `secret_key`, as principals, oldest first.

    Pages through `GET {api_url}/users` 100 users at a time until a short page. Raises
    `httpx.HTTPError` when Clerk cannot be reached or refuses (a wrong key: 401), and
    `ValueError` when it answers something that is not a user list.
    """
    principals: dict[str, Principal] = {}
    offset = 0
    while True:
        response = await client.get(
            f"{api_url.rstrip('/')}/users",
            params={"limit": PAGE_SIZE, "offset": offset, "order_by": "created_at"},
            headers={"Authorization": f"Bearer {secret_key}"},
        )
        response.raise_for_status()
        try:
            page = principals_from_clerk_users(response.json())
        except ValueError as error:
            raise ValueError(f"Clerk's user list at offset {offset}: {error}") from error
        known = len(principals)
        principals.update((p.external_user_id, p) for p in page)
        if len(page) < PAGE_SIZE:
            return list(principals.values())
        if len(principals) == known:
            raise ValueError(f"Clerk's user list repeats itself at offset {offset}")
        offset += len(page)


def _principal(index: int, user: object) -> Principal:
    if not isinstance(user, dict):
        raise ValueError(f"user #{index} is not a JSON object")
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise ValueError(f"user #{index} has no string 'id'")
    where = f"user #{index} ({user_id})"
    return Principal(user_id, _primary_email(where, user), _name(where, user))


def _primary_email(where: str, user: dict[str, object]) -> str | None:
    addresses = user.get("email_addresses") or []
    if not isinstance(addresses, list):
        raise ValueError(f"{where}: 'email_addresses' is not a list")
    emails: dict[str | None, str | None] = {}
    for position, address in enumerate(addresses):
        if not isinstance(address, dict):
            raise ValueError(f"{where}: email address #{position} is not a JSON object")
        email = _optional_text(where, address, "email_address") or None
        emails[_optional_text(where, address, "id")] = email
    primary_id = _optional_text(where, user, "primary_email_address_id")
    return None if primary_id is None else emails.get(primary_id)


def _name(where: str, user: dict[str, object]) -> str | None:
    first = _optional_text(where, user, "first_name")
    last = _optional_text(where, user, "last_name")
    full = " ".join(part.strip() for part in (first, last) if part and part.strip())
    return full or _optional_text(where, user, "username") or None


def _optional_text(where: str, value: dict[str, object], field: str) -> str | None:
    text = value.get(field)
    if text is not None and not isinstance(text, str):
        raise ValueError(f"{where}: {field!r} is not a string")
    return text
