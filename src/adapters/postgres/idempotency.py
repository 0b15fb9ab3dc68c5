"""Idempotency records, locked by their key while a unit of work reads them."""

from uuid import UUID

from adapters.postgres.rows import idempotency_record_from
from adapters.postgres.session import Session
from application.idempotency import IdempotencyRecord
from application.ports.repositories import IdempotencyRepository


class PostgresIdempotencyRepository(IdempotencyRepository):
    def __init__(self, session: Session) -> None:
        self._db = session

    async def get(self, agent_id: UUID, client_message_id: str) -> IdempotencyRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM idempotency_keys WHERE agent_id = %s AND client_message_id = %s"
            " FOR UPDATE",
            (agent_id, client_message_id),
            unguarded=True,
        )
        return None if row is None else idempotency_record_from(row)

    async def add(self, record: IdempotencyRecord) -> None:
        self._db.write(
            "INSERT INTO idempotency_keys (agent_id, client_message_id, conversation_id,"
            " user_message_id, message_digest, created_at, claimed_at, assistant_message_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                record.agent_id,
                record.client_message_id,
                record.conversation_id,
                record.user_message_id,
                record.message_digest,
                record.created_at,
                record.claimed_at,
                record.assistant_message_id,
            ),
        )

    async def save(self, record: IdempotencyRecord) -> None:
        self._db.write(
            "UPDATE idempotency_keys SET claimed_at = %s, assistant_message_id = %s"
            " WHERE agent_id = %s AND client_message_id = %s",
            (
                record.claimed_at,
                record.assistant_message_id,
                record.agent_id,
                record.client_message_id,
            ),
            expect_rows=1,
        )
