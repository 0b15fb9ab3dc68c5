"""A first conversation over HTTP, stored in PostgreSQL."""

from litestar.testing import TestClient

from e2e.conftest import bearer


def test_a_message_and_its_reply_are_stored_and_listed(client: TestClient[object]) -> None:
    sent = client.post("/api/chat", json={"message": "hello"}, headers=bearer("alice"))
    assert sent.status_code == 201
    turn = sent.json()
    assert turn["user_message"]["sequence"] == 1
    assert turn["assistant_message"]["sequence"] == 2
    listed = client.get("/api/conversations", headers=bearer("alice")).json()
    assert [c["id"] for c in listed["items"]] == [turn["conversation"]["id"]]
    assert client.get("/api/conversations", headers=bearer("bob")).json()["items"] == []
