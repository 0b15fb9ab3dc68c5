"""Who is asking: the verified identity behind a request."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    external_user_id: str
    email: str | None = None
    name: str | None = None
