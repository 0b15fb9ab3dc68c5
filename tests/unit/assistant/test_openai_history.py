"""What of the conversation the server is shown, and as whom each message speaks."""

import pytest

from adapters.assistant.openai import DEFAULT_SYSTEM_PROMPT
from adapters.assistant.openai_wire import chat_messages
from domain.roles import Role

SYSTEM = {"role": "system", "content": "Be brief."}


async def test_the_system_prompt_comes_first_then_the_history_oldest_first(
    assistant_with, fake_openai, conversation
):
    history = conversation(
        (Role.ISO_AGENT, "Hello?"),
        (Role.AI_ASSISTANT, "Hi, how can I help?"),
        (Role.ISO_AGENT, "What is 2 + 2?"),
    )

    await assistant_with(system_prompt="Be brief.").reply(history)

    assert fake_openai.calls[0].body["messages"] == [
        SYSTEM,
        {"role": "user", "content": "Hello?"},
        {"role": "assistant", "content": "Hi, how can I help?"},
        {"role": "user", "content": "What is 2 + 2?"},
    ]


async def test_the_default_system_prompt_is_a_sentence_about_helping_agents(
    assistant, fake_openai, question
):
    await assistant.reply(question)

    system = fake_openai.calls[0].body["messages"][0]
    assert system == {"role": "system", "content": DEFAULT_SYSTEM_PROMPT}
    assert "agents" in DEFAULT_SYSTEM_PROMPT


async def test_an_operator_speaks_as_a_named_user_whose_text_is_marked(
    assistant, fake_openai, conversation
):
    history = conversation((Role.ISO_AGENT, "Is this right?"), (Role.OPERATOR, "Check the logs."))

    await assistant.stream(history, _ignore)

    assert fake_openai.calls[0].body["messages"][1:] == [
        {"role": "user", "content": "Is this right?"},
        {"role": "user", "name": "operator", "content": "[operator] Check the logs."},
    ]


def test_the_budget_keeps_the_newest_messages_that_fit(conversation):
    history = conversation(
        (Role.ISO_AGENT, "a" * 10),
        (Role.AI_ASSISTANT, "b" * 10),
        (Role.ISO_AGENT, "c" * 10),
        (Role.AI_ASSISTANT, "d" * 10),
    )

    sent = chat_messages("Be brief.", history, budget_chars=25)

    assert sent == [
        SYSTEM,
        {"role": "user", "content": "c" * 10},
        {"role": "assistant", "content": "d" * 10},
    ]


def test_a_message_that_does_not_fit_ends_the_selection_even_if_older_ones_would(
    conversation,
):
    history = conversation(
        (Role.ISO_AGENT, "tiny"),
        (Role.AI_ASSISTANT, "x" * 50),
        (Role.ISO_AGENT, "latest"),
    )

    sent = chat_messages("Be brief.", history, budget_chars=20)

    assert sent == [SYSTEM, {"role": "user", "content": "latest"}]


def test_the_latest_message_is_sent_even_when_it_alone_is_over_the_budget(conversation):
    history = conversation((Role.ISO_AGENT, "older"), (Role.ISO_AGENT, "y" * 100))

    sent = chat_messages("Be brief.", history, budget_chars=10)

    assert sent == [SYSTEM, {"role": "user", "content": "y" * 100}]


def test_the_operator_mark_counts_against_the_budget(conversation):
    history = conversation((Role.ISO_AGENT, "12345"), (Role.OPERATOR, "abc"))

    fits = chat_messages("Be brief.", history, budget_chars=len("[operator] abc") + 5)
    too_tight = chat_messages("Be brief.", history, budget_chars=len("abc") + 5)

    assert len(fits) == 3
    assert len(too_tight) == 2


@pytest.mark.parametrize("budget", [1, 24_000])
def test_a_history_of_one_message_is_always_sent_whole(conversation, budget):
    history = conversation((Role.ISO_AGENT, "Only me."))

    assert chat_messages("Be brief.", history, budget)[1:] == [
        {"role": "user", "content": "Only me."}
    ]


async def test_the_configured_budget_is_applied_to_what_is_sent(
    assistant_with, fake_openai, conversation
):
    history = conversation((Role.ISO_AGENT, "old " * 10), (Role.ISO_AGENT, "new"))

    await assistant_with(history_chars=5).reply(history)

    assert fake_openai.calls[0].body["messages"][1:] == [{"role": "user", "content": "new"}]


async def _ignore(piece: str) -> None:
    return None
