"""The dev-mode secret: generated once, then kept in the data directory."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

FILE_NAME = "dev-secret"


def load_or_create_dev_secret(data_dir: Path) -> str:
    """The secret in `data_dir/dev-secret`, created (mode 0600) on first use.

    Processes that race to create it all end with the same secret: each writes its own
    candidate to a private temporary file and links it into place; the first link wins and
    the others read the winner's. The file is never seen half written. Raises `ValueError`
    when the file exists but is empty.
    """
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        _create_once(path, secrets.token_urlsafe(48))
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise ValueError(f"{path} is empty; delete it to have a new dev secret generated")
    return secret


def _create_once(path: Path, secret: str) -> None:
    descriptor, candidate = tempfile.mkstemp(prefix=f".{FILE_NAME}-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its secret stands
            os.link(candidate, path)
    finally:
        os.unlink(candidate)
