"""The acting agent and the conversation in focus go out in one statement, ahead of the reads
that row-level security guards."""

from typing import cast

import pytest

from adapters.postgres.unit_of_work import PostgresUnitOfWork
from application.ports.unit_of_work import UnitOfWorkFactory
from integration.builders import stored_agent, stored_conversation


@pytest.fixture
def new_unit_of_work(pool, publisher) -> UnitOfWorkFactory:  # type: ignore[no-untyped-def]
    return lambda: PostgresUnitOfWork(pool, publisher)


async def test_a_keyed_send_names_its_agent_and_conversation_in_one_statement(
    new_unit_of_work: UnitOfWorkFactory,
) -> None:
    agent = await stored_agent(new_unit_of_work, "alice")
    conversation = await stored_conversation(new_unit_of_work, agent)
    async with new_unit_of_work() as uow:
        await uow.act_for(agent.id)
        assert await uow.idempotency.get(agent.id, "key-1") is None
        found = await uow.conversations.get(conversation.id, for_update=True)
        setting = await uow.conversations.get(conversation.id)
        # The idempotency read, one statement of settings, the two conversation reads.
        assert cast(PostgresUnitOfWork, uow).statements == 4
    assert found is not None
    assert setting is not None
