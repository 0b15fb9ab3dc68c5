"""Waits between attempts: the server's Retry-After, capped, or an exponential backoff."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from adapters.assistant.backoff import retry_delay, seconds_to_wait

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), (" 1.5 ", 1.5), ("0", 0.0)])
def test_retry_after_in_seconds_is_read_as_seconds(header, seconds):
    assert seconds_to_wait(header) == seconds


def test_retry_after_as_a_date_is_the_time_until_then():
    header = format_datetime(NOW + timedelta(seconds=30), usegmt=True)

    assert seconds_to_wait(header, now=NOW) == 30.0


def test_retry_after_as_a_past_date_asks_for_no_wait():
    header = format_datetime(NOW - timedelta(minutes=5), usegmt=True)

    assert seconds_to_wait(header, now=NOW) == 0.0


@pytest.mark.parametrize("header", [None, "", "soon", "-1", "nan", "1e9"])
def test_an_absent_or_unreadable_retry_after_asks_for_nothing(header):
    assert seconds_to_wait(header) is None


def test_the_server_s_wait_is_kept_below_the_cap():
    assert retry_delay(0, backoff_s=0.5, retry_after="4", max_retry_after_s=10) == 4.0
    assert retry_delay(0, backoff_s=0.5, retry_after="40", max_retry_after_s=10) == 10.0


@pytest.mark.parametrize("attempt", [0, 1, 2, 3])
def test_without_retry_after_the_wait_doubles_per_attempt_plus_jitter(attempt):
    base = 0.5 * 2**attempt

    delays = {
        retry_delay(attempt, backoff_s=0.5, retry_after=None, max_retry_after_s=10)
        for _ in range(50)
    }

    assert all(base <= delay <= 2 * base for delay in delays)
    assert len(delays) > 1
