from dataclasses import replace
from datetime import timedelta

import pytest

from application.errors import AgentNotProvisioned
from application.policy import ChatPolicy
from application.principal import Principal
from application.use_cases.agents import add_agent, list_agents, resolve_agent
from application.use_cases.init_chat import InitChat, init_chat
from application.use_cases.send_message import SendMessage, send_message


@pytest.fixture
def closed_context(context_with):
    return context_with(policy=ChatPolicy(auto_provision=False))


async def resolved(context, principal):
    async with context.new_unit_of_work() as unit_of_work:
        agent = await resolve_agent(unit_of_work, context, principal)
        await unit_of_work.commit()
    return agent


async def test_an_unknown_principal_is_provisioned_on_first_use(context, alice, store):
    agent = await resolved(context, alice)

    kept = store.agent_by_external_id("alice")
    assert kept.id == agent.id
    assert (kept.email, kept.name) == ("alice@example.com", "Alice")


async def test_a_known_principal_resolves_to_the_same_agent(context, alice, store):
    first = await resolved(context, alice)
    second = await resolved(context, alice)

    assert first.id == second.id
    assert len(store.agents) == 1


async def test_without_auto_provisioning_an_unknown_principal_is_refused(
    closed_context, alice, snapshot
):
    before = snapshot()

    with pytest.raises(AgentNotProvisioned, match="parley agents add") as refused:
        await resolved(closed_context, alice)

    assert refused.value.external_user_id == "alice"
    assert snapshot() == before


@pytest.mark.parametrize(
    "use_case",
    [
        lambda context, who: init_chat(context, who, InitChat()),
        lambda context, who: send_message(context, who, SendMessage("hello")),
    ],
    ids=["init_chat", "send_message"],
)
async def test_without_auto_provisioning_use_cases_refuse_an_unknown_principal_and_store_nothing(
    closed_context, alice, snapshot, use_case
):
    before = snapshot()

    with pytest.raises(AgentNotProvisioned):
        await use_case(closed_context, alice)

    assert snapshot() == before


async def test_an_added_agent_may_chat_without_auto_provisioning(closed_context, alice, store):
    agent = await add_agent(closed_context, alice)

    started = await init_chat(closed_context, alice, InitChat())

    assert started.chat_session.agent_id == agent.id
    assert list(store.agents) == [agent.id]


async def test_adding_a_known_agent_returns_it_unchanged(context, alice, store):
    first = await add_agent(context, alice)
    again = await add_agent(context, replace(alice, name="Someone else"))

    assert again.id == first.id
    assert again.name == "Alice"
    assert len(store.agents) == 1


async def test_agents_are_listed_oldest_first(context, clock):
    for name in ["zoe", "adam", "mia"]:
        await add_agent(context, Principal(name))
        clock.advance(timedelta(seconds=1))

    agents = await list_agents(context)

    assert [a.external_user_id for a in agents] == ["zoe", "adam", "mia"]
