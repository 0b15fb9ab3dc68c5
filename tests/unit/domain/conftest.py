import copy
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.conversation import Conversation


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def owner_id() -> UUID:
    return uuid4()


@pytest.fixture
def operator_id() -> UUID:
    return uuid4()


@pytest.fixture
def stranger_id() -> UUID:
    return uuid4()


@pytest.fixture
def conversation(owner_id: UUID, now: datetime) -> Conversation:
    conversation = Conversation.start(owner_id, now)
    conversation.events.clear()
    return conversation


@pytest.fixture
def state_of() -> Callable[[Conversation], dict[str, object]]:
    """Everything a conversation holds except the events it recorded."""

    def state(conversation: Conversation) -> dict[str, object]:
        return {
            f.name: copy.deepcopy(getattr(conversation, f.name))
            for f in fields(conversation)
            if f.name != "events"
        }

    return state
