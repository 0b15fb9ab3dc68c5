"""Chat sessions; the database keeps at most one active per (conversation, agent).

Sessions can be read along with their conversations, saving `latest_for` and
`active_for_agent` a statement. A session read along is not locked: its save changes it only if
it is still as it was read, else fails the unit of work with `ConcurrentUpdate`.
"""

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID

from adapters.postgres.rows import chat_session_from
from adapters.postgres.session import Session
from application.ports.repositories import ChatSessionRepository
from domain.chat_session import ChatSession

_LATEST_FOR = (
    "SELECT * FROM chat_sessions WHERE conversation_id = %s AND agent_id = %s"
    " ORDER BY status = 'active' DESC, started_at DESC LIMIT 1"
)


class PostgresChatSessionRepository(ChatSessionRepository):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self._db = session
        self._along: dict[tuple[UUID, UUID], ChatSession | None] = {}
        self._active_along: dict[tuple[UUID, UUID], ChatSession | None] = {}
        self._as_read: dict[UUID, ChatSession] = {}

    def found_along(self, conversation_id: UUID, agent_id: UUID, found: ChatSession | None) -> None:
        """The agent's latest session on the conversation, read with the conversation."""
        self._along[(conversation_id, agent_id)] = self._read(found)

    def found_active_along(self, agent_id: UUID, found: dict[UUID, ChatSession | None]) -> None:
        """The agent's active session (or None) on each conversation, read with them."""
        for conversation_id, session in found.items():
            self._active_along[(conversation_id, agent_id)] = self._read(session)

    async def _add(self, session: ChatSession) -> None:
        self._db.write(
            "INSERT INTO chat_sessions (conversation_id, id, agent_id, status, started_at,"
            " last_activity_at, ended_at, message_count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                session.conversation_id,
                session.id,
                session.agent_id,
                str(session.status),
                session.started_at,
                session.last_activity_at,
                session.ended_at,
                session.message_count,
            ),
        )
        self._read(session)

    async def _save(self, session: ChatSession) -> None:
        read = self._as_read[session.id]
        self._db.write(
            "UPDATE chat_sessions SET status = %s, last_activity_at = %s, ended_at = %s,"
            " message_count = %s WHERE conversation_id = %s AND id = %s"
            " AND status = %s AND message_count = %s",
            (
                str(session.status),
                session.last_activity_at,
                session.ended_at,
                session.message_count,
                session.conversation_id,
                session.id,
                str(read.status),
                read.message_count,
            ),
            expect_rows=1,
        )
        self._read(session)

    async def get(self, session_id: UUID, *, for_update: bool = False) -> ChatSession | None:
        sql = "SELECT * FROM chat_sessions WHERE id = %s"
        row = await self._db.fetch_one(f"{sql} FOR UPDATE" if for_update else sql, (session_id,))
        return self._read(None if row is None else chat_session_from(row))

    async def latest_for(
        self, conversation_id: UUID, agent_id: UUID, *, for_update: bool = False
    ) -> ChatSession | None:
        if (conversation_id, agent_id) in self._along:
            return self._along.pop((conversation_id, agent_id))
        sql = f"{_LATEST_FOR} FOR UPDATE" if for_update else _LATEST_FOR
        row = await self._db.fetch_one(sql, (conversation_id, agent_id))
        return self._read(None if row is None else chat_session_from(row))

    async def active_for_agent(
        self, agent_id: UUID, conversation_ids: Sequence[UUID]
    ) -> dict[UUID, ChatSession]:
        keys = [(conversation_id, agent_id) for conversation_id in conversation_ids]
        if all(key in self._active_along for key in keys):
            along = (self._active_along.pop(key) for key in keys)
            return {session.conversation_id: session for session in along if session is not None}
        rows = await self._db.fetch_all(
            "SELECT * FROM chat_sessions WHERE agent_id = %s"
            " AND conversation_id = ANY(%s) AND status = 'active'",
            (agent_id, list(conversation_ids)),
        )
        return {row["conversation_id"]: chat_session_from(row) for row in rows}

    def _read(self, session: ChatSession | None) -> ChatSession | None:
        """`session`, remembered as read, for its save to check it is still stored so."""
        if session is not None:
            self._as_read[session.id] = replace(session, events=[])
        return session
