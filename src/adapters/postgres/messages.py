"""Messages, read by keyset on (conversation_id, sequence): a page costs the same anywhere.

A conversation's sequences are gapless (1, 2, 3, ... and no message is ever removed), so a page
is a range of sequences bounded at both ends, and no plan reads more than the page, however
stale the planner's statistics of a conversation that grew since the last ANALYZE (one that
started since, it reckons a few rows long, and would read all of it and sort). Each bound is a
parameter or a sub-select: under row-level security only leakproof conditions reach the index
ahead of the policies, and arithmetic on a parameter is not leakproof.
"""

from uuid import UUID

from adapters.postgres.rows import message_from
from adapters.postgres.session import Session
from application.ports.repositories import MessagePage, MessageRepository
from domain.message import Generation, Message

_PAST_LAST_SEQUENCE = 2**62

NEWEST_PAGE = (
    "SELECT * FROM messages WHERE conversation_id = %(conversation)s AND sequence < %(before)s"
    " AND sequence >= (SELECT least(%(before)s, last_sequence + 1) - %(fetched)s"
    " FROM conversations WHERE id = %(conversation)s)"
    " ORDER BY sequence DESC LIMIT %(fetched)s"
)
"""The newest `fetched` messages below `before`, the last of them from the stored conversation."""

OLDEST_PAGE = (
    "SELECT * FROM messages WHERE conversation_id = %(conversation)s"
    " AND sequence > %(after)s AND sequence <= %(until)s"
    " ORDER BY sequence LIMIT %(fetched)s"
)


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
            NEWEST_PAGE,
            {
                "conversation": conversation_id,
                "before": before or _PAST_LAST_SEQUENCE,
                "fetched": limit + 1,
            },
        )
        newest_first = [message_from(row) for row in rows[:limit]]
        return MessagePage(newest_first[::-1], has_more=len(rows) > limit)

    async def oldest_after(self, conversation_id: UUID, after: int, limit: int) -> MessagePage:
        fetched = limit + 1
        rows = await self._db.fetch_all(
            OLDEST_PAGE,
            {
                "conversation": conversation_id,
                "after": after,
                "until": after + fetched,
                "fetched": fetched,
            },
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
