"""The assistant adapters' world: a fake OpenAI server on the loopback, and clients for it."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from adapters.assistant.openai import OpenAICompatibleAssistant, OpenAIConfig
from domain.message import Message
from domain.roles import Role
from unit.assistant.fake_openai import FakeOpenAI, running_fake_openai

TEST_MODEL = "parley-test-model"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as server:
        yield server


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


class RecordingSleep:
    """Sleeps, and remembers for how long it was asked to; `real=False` only yields."""

    def __init__(self, *, real: bool = False) -> None:
        self.delays: list[float] = []
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(seconds if self.real else 0)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def assistant_with(
    http_client: httpx.AsyncClient, fake_openai: FakeOpenAI, sleeps: RecordingSleep
) -> Callable[..., OpenAICompatibleAssistant]:
    """An assistant talking to `fake_openai`, with short timeouts; keywords change its config."""

    def build(**changes: object) -> OpenAICompatibleAssistant:
        settings: dict[str, object] = {
            "base_url": fake_openai.base_url,
            "model": TEST_MODEL,
            "connect_timeout_s": 1.0,
            "first_token_timeout_s": 2.0,
            "read_timeout_s": 2.0,
            "backoff_s": 0.01,
            "max_retry_after_s": 0.05,
        }
        config = OpenAIConfig(**{**settings, **changes})  # type: ignore[arg-type]
        return OpenAICompatibleAssistant(http_client, config, sleep=sleeps)

    return build


@pytest.fixture
def assistant(
    assistant_with: Callable[..., OpenAICompatibleAssistant],
) -> OpenAICompatibleAssistant:
    return assistant_with()


def conversation_of(*turns: tuple[Role, str]) -> list[Message]:
    conversation_id = uuid4()
    return [
        Message(
            id=uuid4(),
            conversation_id=conversation_id,
            sequence=sequence,
            role=role,
            sender_agent_id=None if role is Role.AI_ASSISTANT else uuid4(),
            content=content,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for sequence, (role, content) in enumerate(turns, start=1)
    ]


@pytest.fixture
def conversation() -> Callable[..., list[Message]]:
    """`conversation((Role.ISO_AGENT, "hi"), ...)`: messages numbered from 1, oldest first."""
    return conversation_of


@pytest.fixture
def question() -> list[Message]:
    """A history of one message from an agent."""
    return conversation_of((Role.ISO_AGENT, "What is the capital of France?"))


class Pieces:
    """An `on_piece` sink that keeps what it was handed."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def __call__(self, piece: str) -> None:
        self.received.append(piece)


@pytest.fixture
def pieces() -> Pieces:
    return Pieces()
