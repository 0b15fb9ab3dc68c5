"""The rules the in-memory store checks at commit, as PostgreSQL's constraints do."""

from adapters.memory.transaction import Transaction
from application.errors import ConcurrentUpdate


class IntegrityViolation(Exception):
    """A commit would have stored data that breaks a rule of the schema."""


def check_commit(tx: Transaction) -> None:
    """Refuse the whole commit when any write breaks a rule; change nothing then."""
    _check_unique_keys(tx)
    _check_conversations(tx)
    _check_messages(tx)
    _check_sessions(tx)


def _check_unique_keys(tx: Transaction) -> None:
    for agent in tx.agents.values():
        if agent.external_user_id in tx.store.agent_ids_by_external_id:
            raise ConcurrentUpdate(f"agent {agent.external_user_id!r} was provisioned meanwhile")
    for key in tx.new_records:
        if key in tx.store.idempotency:
            raise ConcurrentUpdate("the client_message_id was claimed meanwhile")


def _check_conversations(tx: Transaction) -> None:
    for conversation in tx.conversations.values():
        stored = tx.store.conversations.get(conversation.id)
        read_version = tx.read_versions.get(conversation.id)
        if stored is not None and stored.version != read_version:
            raise ConcurrentUpdate(f"conversation {conversation.id} changed meanwhile")
        active = [p for p in conversation.participants if p.is_active]
        if not any(p.is_active_agent for p in active):
            raise IntegrityViolation(f"conversation {conversation.id} has no active agent")
        if sum(1 for p in conversation.participants if p.is_assistant) != 1:
            raise IntegrityViolation(f"conversation {conversation.id} needs exactly one AI")


def _check_messages(tx: Transaction) -> None:
    next_sequence: dict[object, int] = {}
    for message in tx.messages:
        conversation_id = message.conversation_id
        expected = next_sequence.get(conversation_id)
        if expected is None:
            expected = len(tx.store.messages.get(conversation_id, [])) + 1
        if message.sequence != expected:
            raise IntegrityViolation(f"message sequence {message.sequence} is not {expected}")
        next_sequence[conversation_id] = expected + 1
        if (
            conversation_id not in tx.store.conversations
            and conversation_id not in tx.conversations
        ):
            raise IntegrityViolation(f"message of unknown conversation {conversation_id}")
        if message.reply_to is not None and message.reply_to in tx.store.replies:
            raise ConcurrentUpdate(f"message {message.reply_to} was answered meanwhile")


def _check_sessions(tx: Transaction) -> None:
    members = {(s.conversation_id, s.agent_id) for s in tx.chat_sessions.values()}
    for member in members:
        own = {
            s.id: s for s in tx.chat_sessions.values() if (s.conversation_id, s.agent_id) == member
        }
        stored = {i: tx.store.chat_sessions[i] for i in tx.store.sessions_by_member.get(member, [])}
        if sum(1 for s in {**stored, **own}.values() if s.is_active) > 1:
            raise IntegrityViolation(f"a second active chat session for {member}")
