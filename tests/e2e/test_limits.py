"""Limits that protect the service: 413 for a body too large, 429 for an agent too busy."""

from collections.abc import Callable

from e2e.conftest import bearer
from e2e.helpers import Client, assert_problem, listed_ids, send, started


def test_a_body_larger_than_the_limit_is_refused_and_nothing_is_stored(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(max_body_bytes=2048)

    response = send(client, "alice", "x" * 3000)

    assert_problem(response, 413, "payload_too_large")
    assert listed_ids(client, "alice", status="all") == []


def test_every_route_with_a_body_refuses_one_larger_than_the_limit(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(max_body_bytes=2048)
    conversation_id = started(client, "alice")["conversation"]["id"]
    padding = "p" * 3000

    for response in (
        client.post("/api/chat/init", json={"title": padding}, headers=bearer("alice")),
        client.patch(
            f"/api/conversations/{conversation_id}",
            json={"title": padding},
            headers=bearer("alice"),
        ),
    ):
        assert_problem(response, 413, "payload_too_large")
    assert listed_ids(client, "alice") == [conversation_id]


def test_a_body_within_the_limit_is_served(client_with: Callable[..., Client]) -> None:
    client = client_with(max_body_bytes=2048)

    assert send(client, "alice", "x" * 1500).status_code == 201


def test_an_agent_over_its_rate_is_told_when_to_retry_while_another_is_still_served(
    client_with: Callable[..., Client],
) -> None:
    client = client_with(rate_limit_per_minute=3)
    served = [
        client.post("/api/chat/init", headers=bearer("alice")).status_code,
        client.get("/api/conversations", headers=bearer("alice")).status_code,
        send(client, "alice", "third").status_code,
    ]

    refused = send(client, "alice", "fourth")

    assert served == [201, 200, 201]
    problem = assert_problem(refused, 429, "rate_limited")
    assert problem["detail"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert send(client, "bob", "still welcome").status_code == 201
    assert len(listed_ids(client, "bob")) == 1


def test_a_refused_request_stores_nothing(client_with: Callable[..., Client]) -> None:
    client = client_with(rate_limit_per_minute=2)
    first = send(client, "alice", "one")
    assert first.status_code == 201
    assert client.get("/api/conversations", headers=bearer("alice")).status_code == 200

    refused = send(client, "alice", "two")
    others_view = client_with(rate_limit_per_minute=0)

    assert_problem(refused, 429, "rate_limited")
    assert listed_ids(others_view, "alice") == [first.json()["conversation"]["id"]]


def test_the_rate_limit_is_off_when_set_to_zero(client_with: Callable[..., Client]) -> None:
    client = client_with(rate_limit_per_minute=0)

    statuses = {
        client.get("/api/conversations", headers=bearer("alice")).status_code for _ in range(30)
    }

    assert statuses == {200}
