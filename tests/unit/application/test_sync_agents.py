import pytest

from application.principal import Principal
from application.use_cases.agents import add_agent, sync_agents
from domain import events
from domain.errors import InvalidAgentIdentity


async def test_every_new_principal_becomes_an_agent(context, alice, bob, store):
    report = await sync_agents(context, [alice, bob])

    assert [a.external_user_id for a in report.added] == ["alice", "bob"]
    assert report.already_known == 0
    kept = store.agent_by_external_id("alice")
    assert (kept.id, kept.email, kept.name) == (report.added[0].id, "alice@example.com", "Alice")
    assert store.agent_by_external_id("bob").id == report.added[1].id


async def test_known_agents_are_counted_and_left_unchanged(context, alice, bob, store):
    known = await add_agent(context, alice)

    report = await sync_agents(context, [Principal("alice", name="Renamed"), bob])

    assert [a.external_user_id for a in report.added] == ["bob"]
    assert report.already_known == 1
    assert store.agent_by_external_id("alice").id == known.id
    assert store.agent_by_external_id("alice").name == "Alice"


async def test_syncing_twice_adds_nothing_the_second_time(context, alice, bob, store):
    await sync_agents(context, [alice, bob])

    again = await sync_agents(context, [alice, bob])

    assert again.added == []
    assert again.already_known == 2
    assert len(store.agents) == 2


async def test_a_principal_listed_twice_is_provisioned_once_from_its_first_listing(
    context, alice, store
):
    report = await sync_agents(context, [alice, Principal("alice", name="Impostor")])

    assert len(report.added) == 1
    assert report.already_known == 0
    assert store.agent_by_external_id("alice").name == "Alice"
    assert len(store.agents) == 1


async def test_nothing_to_sync_stores_nothing(context, snapshot):
    before = snapshot()

    report = await sync_agents(context, [])

    assert (report.added, report.already_known) == ([], 0)
    assert snapshot() == before


async def test_an_invalid_principal_refuses_the_whole_sync(context, alice, bob, snapshot):
    before = snapshot()

    with pytest.raises(InvalidAgentIdentity):
        await sync_agents(context, [alice, Principal("mallory\x00"), bob])

    assert snapshot() == before


async def test_provisioned_agents_are_announced_after_commit(context, alice, bob, publisher):
    report = await sync_agents(context, [alice, bob])

    assert publisher.events == [
        events.AgentProvisioned(a.created_at, a.id, a.external_user_id) for a in report.added
    ]
