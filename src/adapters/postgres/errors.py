"""Turning psycopg's errors into the application's."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from application.errors import AccessRefused, ConcurrentUpdate, StoreUnavailable

RACES = frozenset(
    {
        "iso_agents_external_user_id_key",
        "idempotency_keys_pkey",
        "messages_one_reply",
        "messages_pkey",
        "chat_sessions_one_active",
    }
)
"""Unique constraints a concurrent unit of work can win: the loser tries again."""


@contextmanager
def translated_errors() -> Iterator[None]:
    """Raise `ConcurrentUpdate` for lost races, `StoreUnavailable` for a lost database,
    `AccessRefused` for a write row-level security refused."""
    try:
        yield
    except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as race:
        raise ConcurrentUpdate(str(race)) from race
    except pg_errors.UniqueViolation as violation:
        if violation.diag.constraint_name in RACES:
            raise ConcurrentUpdate(str(violation)) from violation
        raise
    except pg_errors.InsufficientPrivilege as refused:
        raise AccessRefused(str(refused)) from refused
    except (psycopg.OperationalError, PoolTimeout) as lost:
        raise StoreUnavailable("the database cannot be reached") from lost
