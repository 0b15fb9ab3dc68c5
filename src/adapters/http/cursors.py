"""Opaque cursors for conversation lists: the keyset position, base64url-encoded JSON."""

import base64
import binascii
from datetime import datetime
from uuid import UUID

import msgspec

from application.ports.repositories import ActivityCursor


class UnreadableCursor(ValueError):
    """The cursor was not made by this service."""


class _Position(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    at: datetime
    id: UUID


def encode_cursor(cursor: ActivityCursor) -> str:
    raw = msgspec.json.encode(_Position(cursor.last_activity_at, cursor.conversation_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> ActivityCursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        position = msgspec.json.decode(raw, type=_Position)
    except (binascii.Error, ValueError, msgspec.DecodeError) as broken:
        raise UnreadableCursor("cursor is not one this service handed out") from broken
    if position.at.tzinfo is None:
        raise UnreadableCursor("cursor is not one this service handed out")
    return ActivityCursor(position.at, position.id)
