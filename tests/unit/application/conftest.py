"""The use cases' world: in-memory adapters, assistant fakes and a unit of work that can fail.

Everything here is a real implementation of a port, not a mock. Test modules cannot import
this file (pytest runs with `--import-mode=importlib`), so what they need is handed out as
fixtures.
"""

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from adapters.assistant.echo import EchoAssistant
from adapters.memory.clock import ManualClock
from adapters.memory.events import RecordingPublisher
from adapters.memory.store import MemoryStore
from adapters.memory.transaction import Transaction
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.context import UseCaseContext
from application.policy import ChatPolicy
from application.ports.assistant import Assistant, AssistantFailed, AssistantReply, PieceSink
from application.ports.events import EventPublisher
from application.principal import Principal
from domain.message import Message


def answer_to(history: Sequence[Message]) -> str:
    return f"Re: {history[-1].content}"


class CountingAssistant:
    """Answers with `answer` (by default "Re: <latest message>") and keeps every question.

    It yields to the event loop before answering, so concurrent requests really interleave.
    """

    def __init__(self, answer: Callable[[Sequence[Message]], str] = answer_to) -> None:
        self.answer = answer
        self.questions: list[list[str]] = []

    @property
    def calls(self) -> int:
        return len(self.questions)

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.questions.append([m.content for m in history])
        await asyncio.sleep(0)
        return AssistantReply(self.answer(history))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        reply = await self.reply(history)
        await on_piece(reply.content)
        return reply


class FailingAssistant:
    """Never answers: raises `error` (an `AssistantFailed` unless told otherwise)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error or AssistantFailed("the assistant is down")
        self.calls = 0

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.calls += 1
        raise self.error

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        reply = await self.reply(history)
        await on_piece(reply.content)
        return reply


class BlockingAssistant:
    """Holds its first question until `release()`; answers every later one at once."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self._released = asyncio.Event()
        self.calls = 0

    def release(self) -> None:
        self._released.set()

    async def reply(self, history: Sequence[Message]) -> AssistantReply:
        self.calls += 1
        if self.calls == 1:
            self.asked.set()
            await self._released.wait()
        return AssistantReply(answer_to(history))

    async def stream(self, history: Sequence[Message], on_piece: PieceSink) -> AssistantReply:
        reply = await self.reply(history)
        await on_piece(reply.content)
        return reply


class WriteFailed(Exception):
    """The repository write that a test chose to fail."""


WRITE_METHODS = {
    "agents": ("_add",),
    "conversations": ("_add", "_save"),
    "messages": ("add",),
    "chat_sessions": ("_add", "_save"),
    "idempotency": ("add", "save"),
}
"""Where each repository really writes: `add`/`save` or the `_add`/`_save` they call."""


class FaultyWrites:
    """Counts the repository writes of every unit of work it watches, in order.

    The `fail_at`-th write (counted from 1, across units of work) raises `error` instead of
    writing. With `pause`, every write first yields to the event loop, so concurrent units of
    work really interleave.
    """

    def __init__(
        self,
        fail_at: int | None = None,
        *,
        error: type[Exception] = WriteFailed,
        pause: bool = False,
    ) -> None:
        self.fail_at = fail_at
        self.error = error
        self.pause = pause
        self.made: list[str] = []

    def watch(self, repository: object, label: str, method: str) -> None:
        write = getattr(repository, method)

        async def watched(item: Any) -> None:
            self.made.append(f"{label}.{method.lstrip('_')}")
            if self.pause:
                await asyncio.sleep(0)
            if len(self.made) == self.fail_at:
                raise self.error(f"write {self.fail_at} ({self.made[-1]}) failed")
            await write(item)

        setattr(repository, method, watched)


class FaultyUnitOfWork(MemoryUnitOfWork):
    """The in-memory unit of work, every repository write of it going through `FaultyWrites`."""

    def __init__(self, store: MemoryStore, publisher: EventPublisher, writes: FaultyWrites) -> None:
        self._writes = writes
        super().__init__(store, publisher)

    def _open(self, transaction: Transaction) -> None:
        super()._open(transaction)
        for label, methods in WRITE_METHODS.items():
            for method in methods:
                self._writes.watch(getattr(self, label), label, method)


def stored(store: MemoryStore) -> dict[str, object]:
    """Everything committed to `store`, as values that compare equal when nothing changed."""
    return {
        "agents": sorted(a.external_user_id for a in store.agents.values()),
        "conversations": {
            c.id: (c.title, c.status, c.version, c.last_sequence, c.participants)
            for c in store.conversations.values()
        },
        "messages": {m.id: m for m in store.messages_by_id.values()},
        "chat_sessions": {
            s.id: (s.status, s.message_count, s.last_activity_at, s.ended_at)
            for s in store.chat_sessions.values()
        },
        "idempotency": {
            key: (r.user_message_id, r.assistant_message_id, r.claimed_at)
            for key, r in store.idempotency.items()
        },
    }


ContextFactory = Callable[..., UseCaseContext]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def policy() -> ChatPolicy:
    return ChatPolicy()


@pytest.fixture
def context_with(
    store: MemoryStore, publisher: RecordingPublisher, clock: ManualClock, policy: ChatPolicy
) -> ContextFactory:
    """A context over the shared store, clock and publisher, with what the test changes."""

    def build(
        *,
        assistant: Assistant | None = None,
        policy: ChatPolicy = policy,
        writes: FaultyWrites | None = None,
    ) -> UseCaseContext:
        def new_unit_of_work() -> MemoryUnitOfWork:
            if writes is None:
                return MemoryUnitOfWork(store, publisher)
            return FaultyUnitOfWork(store, publisher, writes)

        return UseCaseContext(new_unit_of_work, clock, assistant or EchoAssistant(), policy)

    return build


@pytest.fixture
def context(context_with: ContextFactory) -> UseCaseContext:
    return context_with()


@pytest.fixture
def alice() -> Principal:
    return Principal("alice", email="alice@example.com", name="Alice")


@pytest.fixture
def bob() -> Principal:
    return Principal("bob")


@pytest.fixture
def counting_assistant() -> CountingAssistant:
    return CountingAssistant()


@pytest.fixture
def assistant_saying() -> Callable[[str], CountingAssistant]:
    """An assistant whose every reply is the given text."""
    return lambda text: CountingAssistant(answer=lambda history: text)


@pytest.fixture
def failing_assistant() -> FailingAssistant:
    return FailingAssistant()


@pytest.fixture
def crashing_assistant() -> FailingAssistant:
    return FailingAssistant(RuntimeError("the assistant crashed"))


@pytest.fixture
def blocking_assistant() -> BlockingAssistant:
    return BlockingAssistant()


@pytest.fixture
def faulty_writes() -> Callable[..., FaultyWrites]:
    return FaultyWrites


@pytest.fixture
def snapshot(store: MemoryStore) -> Callable[[], dict[str, object]]:
    return lambda: stored(store)
