"""The clock port."""

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the time: an aware UTC `datetime`, never moving backwards within a process."""

    def now(self) -> datetime: ...
