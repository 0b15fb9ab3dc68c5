"""Messages, read by keyset on (conversation_id, sequence): a page costs the same anywhere."""

from uuid import UUID

from adapters.postgres.rows import message_from
from adapters.postgres.session import Session
from application.ports.repositories import MessagePage, MessageRepository
from domain.message import Generation, Message

_PAST_LAST_SEQUENCE = 2**62


class PostgresMessageRepository(MessageRepository):
    def __init__(self, session: Session) -> None:
        self._db = session

    async def add(self, message: Message) -> None:
        self._db.write(
            "INSERT INTO messages (conversation_id, id, sequence, role, sender_agent_id,"
            " content, client_message_id, reply_to, created_at, model, prompt_tokens,"
            " completion_tokens, latency_ms, finish_reason)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                message.conversation_id,
                message.id,
                message.sequence,
                str(message.role),
                message.sender_agent_id,
                message.content,
                message.client_message_id,
                message.reply_to,
                message.created_at,
                *_generation_values(message.generation),
            ),
        )

    async def get(self, conversation_id: UUID, message_id: UUID) -> Message | None:
        row = await self._db.fetch_one(
            "SELECT * FROM messages WHERE conversation_id = %s AND id = %s",
            (conversation_id, message_id),
        )
        return None if row is None else message_from(row)

    async def reply_to(self, message: Message) -> Message | None:
        row = await self._db.fetch_one(
            "SELECT * FROM messages WHERE conversation_id = %s AND reply_to = %s",
            (message.conversation_id, message.id),
        )
        return None if row is None else message_from(row)

    async def newest(
        self, conversation_id: UUID, limit: int, before: int | None = None
    ) -> MessagePage:
        rows = await self._db.fetch_all(
            "SELECT * FROM messages WHERE conversation_id = %s AND sequence < %s"
            " ORDER BY sequence DESC LIMIT %s",
            (conversation_id, before or _PAST_LAST_SEQUENCE, limit + 1),
        )
        newest_first = [message_from(row) for row in rows[:limit]]
        return MessagePage(newest_first[::-1], has_more=len(rows) > limit)

    async def oldest_after(self, conversation_id: UUID, after: int, limit: int) -> MessagePage:
        rows = await self._db.fetch_all(
            "SELECT * FROM messages WHERE conversation_id = %s AND sequence > %s"
            " ORDER BY sequence LIMIT %s",
            (conversation_id, after, limit + 1),
        )
        return MessagePage([message_from(row) for row in rows[:limit]], len(rows) > limit)


def _generation_values(generation: Generation | None) -> tuple[object, ...]:
    if generation is None:
        return (None, None, None, None, None)
    return (
        generation.model,
        generation.prompt_tokens,
        generation.completion_tokens,
        generation.latency_ms,
        generation.finish_reason,
    )
