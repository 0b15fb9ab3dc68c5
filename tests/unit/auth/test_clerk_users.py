import json

import httpx
import pytest

from adapters.auth.clerk_users import (
    fetch_clerk_users,
    load_clerk_export,
    principals_from_clerk_users,
)
from application.principal import Principal

SECRET_KEY = "sk_test_parley"


def clerk_user(user_id, **fields):
    """A Clerk user object as `GET /v1/users` returns it, trimmed to what matters here."""
    return {
        "object": "user",
        "id": user_id,
        "username": None,
        "first_name": None,
        "last_name": None,
        "primary_email_address_id": None,
        "email_addresses": [],
        "created_at": 1_700_000_000_000,
        **fields,
    }


ADA = clerk_user(
    "user_ada",
    first_name="Ada",
    last_name="Lovelace",
    username="ada",
    primary_email_address_id="idn_2",
    email_addresses=[
        {"id": "idn_1", "object": "email_address", "email_address": "old@example.com"},
        {"id": "idn_2", "object": "email_address", "email_address": "ada@example.com"},
    ],
)


def test_a_user_becomes_a_principal_with_its_primary_email_and_full_name():
    assert principals_from_clerk_users([ADA]) == [
        Principal("user_ada", "ada@example.com", "Ada Lovelace")
    ]


def test_users_keep_their_order():
    users = [clerk_user("user_b"), clerk_user("user_a"), clerk_user("user_c")]

    ids = [p.external_user_id for p in principals_from_clerk_users(users)]

    assert ids == ["user_b", "user_a", "user_c"]


def test_without_a_primary_address_there_is_no_email():
    user = {**ADA, "primary_email_address_id": None}

    assert principals_from_clerk_users([user])[0].email is None


def test_a_primary_address_id_that_matches_no_address_gives_no_email():
    user = {**ADA, "primary_email_address_id": "idn_gone"}

    assert principals_from_clerk_users([user])[0].email is None


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"first_name": "Ada", "last_name": None}, "Ada"),
        ({"first_name": None, "last_name": "Lovelace"}, "Lovelace"),
        ({"first_name": "", "last_name": "", "username": "ada"}, "ada"),
        ({"first_name": None, "last_name": None, "username": "ada"}, "ada"),
        ({"first_name": None, "last_name": None, "username": None}, None),
    ],
)
def test_the_name_is_first_and_last_name_else_the_username(names, expected):
    assert principals_from_clerk_users([{**ADA, **names}])[0].name == expected


def test_a_user_with_nothing_but_an_id_is_accepted():
    assert principals_from_clerk_users([{"id": "user_bare"}]) == [Principal("user_bare")]


def test_a_list_wrapped_in_data_as_the_sdks_return_it_is_accepted():
    assert principals_from_clerk_users({"data": [ADA], "total_count": 1})[0].external_user_id == (
        "user_ada"
    )


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"users": []}, "JSON array"),
        ("user_ada", "JSON array"),
        (None, "JSON array"),
        (["user_ada"], "user #0 is not a JSON object"),
        ([ADA, {"first_name": "Bob"}], "user #1 has no string 'id'"),
        ([{"id": 42}], "user #0 has no string 'id'"),
        ([{"id": ""}], "user #0 has no string 'id'"),
        ([{"id": "user_x", "email_addresses": "x@example.com"}], "'email_addresses' is not a list"),
        ([{"id": "user_x", "email_addresses": ["x@example.com"]}], "email address #0"),
        (
            [{"id": "user_x", "email_addresses": [{"id": "idn_1", "email_address": 7}]}],
            "'email_address' is not a string",
        ),
        ([{"id": "user_x", "first_name": ["Ada"]}], "'first_name' is not a string"),
        ([{"id": "user_x", "primary_email_address_id": 3}], "'primary_email_address_id'"),
    ],
)
def test_a_malformed_document_is_refused_with_a_reason(document, complaint):
    with pytest.raises(ValueError, match=complaint):
        principals_from_clerk_users(document)


def test_an_export_file_is_loaded(tmp_path):
    export = tmp_path / "users.json"
    export.write_text(json.dumps([ADA, clerk_user("user_bob", username="bob")]))

    assert load_clerk_export(export) == [
        Principal("user_ada", "ada@example.com", "Ada Lovelace"),
        Principal("user_bob", None, "bob"),
    ]


def test_an_export_file_that_is_not_json_is_refused_naming_the_file(tmp_path):
    export = tmp_path / "users.json"
    export.write_text("id,email\nuser_ada,ada@example.com\n")

    with pytest.raises(ValueError, match=r"users\.json is not JSON"):
        load_clerk_export(export)


def test_an_export_file_with_a_malformed_user_is_refused_naming_the_file(tmp_path):
    export = tmp_path / "users.json"
    export.write_text(json.dumps([ADA, {"email": "no-id@example.com"}]))

    with pytest.raises(ValueError, match=r"users\.json: user #1"):
        load_clerk_export(export)


@pytest.fixture
def clerk_api(loopback_server, json_response):
    """A fake Clerk Backend API holding 250 users, answering `GET /v1/users` by the page."""
    users = [
        clerk_user(
            f"user_{n:03}",
            primary_email_address_id=f"idn_{n}",
            email_addresses=[{"id": f"idn_{n}", "email_address": f"u{n}@example.com"}],
        )
        for n in range(250)
    ]

    def respond(request):
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return json_response({"errors": [{"code": "authentication_invalid"}]}, 401)
        if request.path != "/v1/users":
            return json_response({"errors": [{"code": "resource_not_found"}]}, 404)
        limit = int(request.query["limit"][0])
        offset = int(request.query["offset"][0])
        return json_response(users[offset : offset + limit])

    return loopback_server(respond)


async def test_every_user_is_fetched_page_by_page(http_client, clerk_api):
    principals = await fetch_clerk_users(http_client, SECRET_KEY, f"{clerk_api.url}/v1")

    assert len(principals) == 250
    assert principals[0] == Principal("user_000", "u0@example.com", None)
    assert principals[-1].external_user_id == "user_249"
    assert [(r.query["limit"], r.query["offset"]) for r in clerk_api.requests] == [
        (["100"], ["0"]),
        (["100"], ["100"]),
        (["100"], ["200"]),
    ]


async def test_every_page_is_asked_for_with_the_secret_key_as_bearer(http_client, clerk_api):
    await fetch_clerk_users(http_client, SECRET_KEY, f"{clerk_api.url}/v1/")

    assert {r.headers["Authorization"] for r in clerk_api.requests} == {f"Bearer {SECRET_KEY}"}


async def test_a_wrong_secret_key_is_an_http_error(http_client, clerk_api):
    with pytest.raises(httpx.HTTPStatusError, match="401"):
        await fetch_clerk_users(http_client, "sk_test_wrong", f"{clerk_api.url}/v1")


async def test_an_answer_that_is_not_a_user_list_is_refused(
    http_client, loopback_server, json_response
):
    api = loopback_server(lambda request: json_response({"message": "maintenance"}))

    with pytest.raises(ValueError, match="offset 0"):
        await fetch_clerk_users(http_client, SECRET_KEY, f"{api.url}/v1")


async def test_an_api_that_ignores_the_offset_does_not_loop_forever(
    http_client, loopback_server, json_response
):
    same_page = [clerk_user(f"user_{n}") for n in range(100)]
    api = loopback_server(lambda request: json_response(same_page))

    with pytest.raises(ValueError, match="repeats itself"):
        await fetch_clerk_users(http_client, SECRET_KEY, f"{api.url}/v1")

    assert len(api.requests) == 2
