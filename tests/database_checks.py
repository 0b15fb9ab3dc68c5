"""Checks on a test database's rows, shared by the fixtures and the tests that need them."""

from typing import Any

import psycopg

CONVERSATIONS_MISSING_A_MEMBER = """
SELECT c.id FROM conversations c
WHERE NOT EXISTS (
    SELECT 1 FROM conversation_participants p
    WHERE p.conversation_id = c.id AND p.role = 'iso_agent' AND p.is_active)
OR (SELECT count(*) FROM conversation_participants p
    WHERE p.conversation_id = c.id AND p.role = 'ai_assistant') <> 1
"""


def conversations_missing_a_member(connection: psycopg.Connection[Any]) -> list[Any]:
    """Conversations without an active iso_agent or without exactly one AI participant."""
    return connection.execute(CONVERSATIONS_MISSING_A_MEMBER).fetchall()
