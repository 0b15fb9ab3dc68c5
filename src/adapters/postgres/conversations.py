"""Conversations with their participants, read in one round trip."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.postgres.chat_sessions import PostgresChatSessionRepository
from adapters.postgres.rows import (
    CONVERSATION_COLUMNS,
    PARTICIPANT_ORDER,
    SESSION_ALONG_COLUMNS,
    conversations_from,
    session_along_from,
)
from adapters.postgres.session import Session
from application.ports.repositories import ActivityCursor, ConversationRepository
from domain.conversation import Conversation, ConversationStatus
from domain.participant import Participant

_NEWEST_POSSIBLE = ActivityCursor(
    datetime.fromisoformat("9999-12-31T00:00:00+00:00"),
    UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
)

_GET = (
    f"SELECT {CONVERSATION_COLUMNS} FROM conversations c"
    " JOIN conversation_participants p ON p.conversation_id = c.id"
    f" WHERE c.id = %s ORDER BY {PARTICIPANT_ORDER}"
)

_GET_WITH_SESSION = (
    "WITH c AS MATERIALIZED (SELECT *,"
    " (SELECT version FROM conversations WHERE id = %(id)s) AS snapshot_version"
    " FROM conversations WHERE id = %(id)s{lock}),"
    " s AS MATERIALIZED (SELECT * FROM chat_sessions"
    " WHERE conversation_id = %(id)s AND agent_id = %(agent)s"
    " ORDER BY status = 'active' DESC, started_at DESC LIMIT 1)"
    f" SELECT {CONVERSATION_COLUMNS}, {SESSION_ALONG_COLUMNS}, c.snapshot_version"
    " FROM c JOIN conversation_participants p ON p.conversation_id = c.id LEFT JOIN s ON true"
    f" ORDER BY {PARTICIPANT_ORDER}"
)
"""The conversation with an agent's latest chat session on it, as `latest_for` finds it;
`{lock}` is where `FOR UPDATE` goes.

The conversation and the session are each read once, not once per participant, so row-level
security checks each of them once. A read `FOR UPDATE` that waited for the conversation's
lock sees the conversation as the unit of work that held it left it, but every other row as
it was before the wait: the session read along is then out of date, which shows as a
`snapshot_version` older than the version.
"""

_LIST = (
    "WITH page AS ("
    " SELECT conversation_id, last_activity_at FROM conversation_participants"
    " WHERE agent_id = %(agent_id)s AND is_active"
    " AND conversation_status = ANY(%(statuses)s)"
    " AND (last_activity_at, conversation_id) < (%(at)s, %(id)s)"
    " ORDER BY last_activity_at DESC, conversation_id DESC LIMIT %(limit)s)"
    f" SELECT {CONVERSATION_COLUMNS}, {SESSION_ALONG_COLUMNS} FROM page"
    " JOIN conversations c ON c.id = page.conversation_id"
    " JOIN conversation_participants p ON p.conversation_id = c.id"
    " LEFT JOIN chat_sessions s ON s.conversation_id = c.id AND s.agent_id = %(agent_id)s"
    " AND s.status = 'active'"
    f" ORDER BY page.last_activity_at DESC, page.conversation_id DESC, {PARTICIPANT_ORDER}"
)
"""A page of the agent's conversations, each with the agent's active session if it has one."""

_UPDATE = (
    "UPDATE conversations SET title = %(title)s, status = %(status)s,"
    " updated_at = %(updated_at)s, last_message_at = %(last_message_at)s,"
    " last_sequence = %(last_sequence)s, version = %(version)s"
    " WHERE id = %(id)s AND version = %(read_version)s"
)
"""Expected to change one row: the version read must still be the stored one."""

_SPREAD = (
    "UPDATE conversation_participants SET last_activity_at = %(activity)s,"
    " conversation_status = %(status)s WHERE conversation_id = %(id)s AND agent_id IS NOT NULL"
)
"""Copies the activity and status that an agent's list of conversations orders and filters
by onto the agents' participants (the AI's row is in no agent's list and keeps its first)."""

_INSERT_PARTICIPANT = (
    "INSERT INTO conversation_participants (conversation_id, id, position, role, agent_id,"
    " is_active, can_reply, can_invite, notifications_enabled, joined_at, last_activity_at,"
    " conversation_status) VALUES (%(conversation_id)s, %(id)s, %(position)s, %(role)s,"
    " %(agent_id)s, %(is_active)s, %(can_reply)s, %(can_invite)s, %(notifications_enabled)s,"
    " %(joined_at)s, %(activity)s, %(status)s)"
)

_UPDATE_PARTICIPANT = (
    "UPDATE conversation_participants SET is_active = %(is_active)s, can_reply = %(can_reply)s,"
    " can_invite = %(can_invite)s, notifications_enabled = %(notifications_enabled)s,"
    " joined_at = %(joined_at)s WHERE conversation_id = %(conversation_id)s AND id = %(id)s"
)


class PostgresConversationRepository(ConversationRepository):
    def __init__(self, session: Session, chat_sessions: PostgresChatSessionRepository) -> None:
        super().__init__()
        self._db = session
        self._chat_sessions = chat_sessions
        self._as_read: dict[UUID, Conversation] = {}

    async def _add(self, conversation: Conversation) -> None:
        self._db.write(
            "INSERT INTO conversations (id, title, status, created_at, updated_at,"
            " last_message_at, last_sequence, version) VALUES"
            " (%(id)s, %(title)s, %(status)s, %(created_at)s, %(updated_at)s,"
            " %(last_message_at)s, %(last_sequence)s, %(version)s)",
            _conversation_params(conversation),
        )
        self._write_participants(conversation, ())
        self._remember(conversation)

    async def _save(self, conversation: Conversation) -> None:
        read = self._as_read[conversation.id]
        params = _conversation_params(conversation) | {"read_version": read.version}
        self._db.write(_UPDATE, params, expect_rows=1)
        self._db.write(_SPREAD, params)
        self._write_participants(conversation, read.participants)
        self._remember(conversation)

    async def get(
        self, conversation_id: UUID, *, for_update: bool = False, session_of: UUID | None = None
    ) -> Conversation | None:
        # The conversation in focus (0003, 0004): a page of its messages checks membership once.
        self._db.set_local("app.conversation_id", str(conversation_id))
        if session_of is None:
            sql = f"{_GET} FOR UPDATE OF c" if for_update else _GET
            rows = await self._db.fetch_all(sql, [conversation_id])
        else:
            sql = _GET_WITH_SESSION.format(lock=" FOR UPDATE" if for_update else "")
            rows = await self._db.fetch_all(sql, {"id": conversation_id, "agent": session_of})
        found = conversations_from(rows)
        if not found:
            return None
        first = rows[0]
        if session_of is not None and first["snapshot_version"] == first["version"]:
            self._chat_sessions.found_along(conversation_id, session_of, session_along_from(first))
        self._remember(found[0])
        return found[0]

    async def list_for_agent(
        self,
        agent_id: UUID,
        statuses: Sequence[ConversationStatus],
        after: ActivityCursor | None,
        limit: int,
    ) -> list[Conversation]:
        start = after or _NEWEST_POSSIBLE
        rows = await self._db.fetch_all(
            _LIST,
            {
                "agent_id": agent_id,
                "statuses": [str(s) for s in statuses],
                "at": start.last_activity_at,
                "id": start.conversation_id,
                "limit": limit,
            },
        )
        sessions = {row["id"]: session_along_from(row) for row in rows}
        self._chat_sessions.found_active_along(agent_id, sessions)
        return conversations_from(rows)

    def _remember(self, conversation: Conversation) -> None:
        self._as_read[conversation.id] = replace(conversation, events=[])

    def _write_participants(
        self, conversation: Conversation, before: Sequence[Participant]
    ) -> None:
        known = {p.id: p for p in before}
        for position, participant in enumerate(conversation.participants):
            if participant.id not in known:
                self._db.write(
                    _INSERT_PARTICIPANT, _participant_params(conversation, participant, position)
                )
            elif known[participant.id] != participant:
                self._db.write(
                    _UPDATE_PARTICIPANT, _participant_params(conversation, participant, position)
                )


def _conversation_params(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "title": conversation.title,
        "status": str(conversation.status),
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "last_message_at": conversation.last_message_at,
        "last_sequence": conversation.last_sequence,
        "version": conversation.version,
        "activity": conversation.last_activity_at,
    }


def _participant_params(
    conversation: Conversation, participant: Participant, position: int
) -> dict[str, Any]:
    return {
        "conversation_id": conversation.id,
        "id": participant.id,
        "position": position,
        "role": str(participant.role),
        "agent_id": participant.agent_id,
        "is_active": participant.is_active,
        "can_reply": participant.can_reply,
        "can_invite": participant.can_invite,
        "notifications_enabled": participant.notifications_enabled,
        "joined_at": participant.joined_at,
        "activity": conversation.last_activity_at,
        "status": str(conversation.status),
    }
