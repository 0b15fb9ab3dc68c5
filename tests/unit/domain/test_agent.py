from datetime import UTC, datetime

import pytest

from domain import events
from domain.agent import Agent
from domain.errors import InvalidAgentIdentity

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_a_provisioned_agent_keeps_its_identity():
    agent = Agent.provision("user_123", NOW, email="ada@example.com", name="Ada")

    assert agent.external_user_id == "user_123"
    assert agent.email == "ada@example.com"
    assert agent.name == "Ada"
    assert agent.created_at == NOW


def test_email_and_name_are_optional():
    agent = Agent.provision("user_123", NOW)

    assert (agent.email, agent.name) == (None, None)


def test_provisioning_records_the_new_agent():
    agent = Agent.provision("user_123", NOW)

    assert agent.events == [events.AgentProvisioned(NOW, agent.id, "user_123")]


def test_each_provisioned_agent_gets_its_own_id():
    assert Agent.provision("same", NOW).id != Agent.provision("same", NOW).id


@pytest.mark.parametrize("external_user_id", ["", "user\x00123"])
def test_an_agent_needs_a_non_empty_external_user_id_without_nul(external_user_id: str):
    with pytest.raises(InvalidAgentIdentity):
        Agent.provision(external_user_id, NOW)
