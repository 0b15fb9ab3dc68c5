"""An embedded PostgreSQL kept in a data directory, for when no server is configured."""

import warnings
from pathlib import Path
from typing import Protocol


class _Server(Protocol):
    def get_uri(self) -> str: ...

    def cleanup(self) -> None: ...


class EmbeddedPostgres:
    """Starts (or reuses) a PostgreSQL server whose data lives in `data_dir/postgres`."""

    def __init__(self, data_dir: Path) -> None:
        self._pgdata = data_dir / "postgres"
        self._server: _Server | None = None

    def start(self) -> str:
        """Start the server if it is not running and return its URL."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp: fine here.
            warnings.simplefilter("ignore")
            from pgserver.postgres_server import get_server  # noqa: PLC0415

        self._pgdata.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self._pgdata, cleanup_mode="stop")
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
