"""An embedded PostgreSQL kept in a data directory, for when no server is configured."""

from pathlib import Path

from pgserver.postgres_server import PostgresServer, get_server


class EmbeddedPostgres:
    """Starts (or reuses) a PostgreSQL server whose data lives in `data_dir/postgres`."""

    def __init__(self, data_dir: Path) -> None:
        self._pgdata = data_dir / "postgres"
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start the server if it is not running and return its URL."""
        self._pgdata.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self._pgdata, cleanup_mode="stop")
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
