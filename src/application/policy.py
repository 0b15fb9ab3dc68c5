"""The limits and timings the use cases apply, set from configuration."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class ChatPolicy:
    max_message_chars: int = 16_000
    session_idle: timedelta = timedelta(minutes=30)
    assistant_timeout: timedelta = timedelta(seconds=60)
    history_messages: int = 50
    auto_provision: bool = True
