"""`/health`: liveness without dependencies, readiness with the database."""

from e2e.helpers import Client


def test_the_process_says_it_is_alive(client: Client) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_service_is_ready_when_its_database_answers(client: Client) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
