"""The assistant's settings: read from PARLEY_*, checked, and turned into the OpenAI adapter."""

import pytest

from adapters.assistant.echo import EchoAssistant
from adapters.assistant.openai import DEFAULT_SYSTEM_PROMPT, OpenAICompatibleAssistant
from entrypoints.container import Container, openai_config
from entrypoints.settings import Settings, SettingsError, settings_from

OPENAI = {
    "PARLEY_ASSISTANT": "openai",
    "PARLEY_OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
    "PARLEY_OPENAI_MODEL": "local-model",
}


def test_without_assistant_variables_the_defaults_apply():
    settings = settings_from({})

    assert settings.assistant == "echo"
    assert settings.system_prompt is None
    assert settings.assistant_history_chars == 24_000
    assert settings.assistant_connect_timeout_s == 5.0
    assert settings.assistant_first_token_timeout_s == 30.0
    assert settings.assistant_retries == 2


def test_the_assistant_variables_are_read():
    settings = settings_from(
        {
            **OPENAI,
            "PARLEY_OPENAI_API_KEY": "sk-local",
            "PARLEY_SYSTEM_PROMPT": "  You help support agents.  ",
            "PARLEY_ASSISTANT_HISTORY_CHARS": "8000",
            "PARLEY_ASSISTANT_CONNECT_TIMEOUT_S": "1.5",
            "PARLEY_ASSISTANT_FIRST_TOKEN_TIMEOUT_S": "12",
            "PARLEY_ASSISTANT_RETRIES": "0",
        }
    )

    assert settings.assistant == "openai"
    assert settings.openai_api_key == "sk-local"
    assert settings.system_prompt == "You help support agents."
    assert settings.assistant_history_chars == 8000
    assert settings.assistant_connect_timeout_s == 1.5
    assert settings.assistant_first_token_timeout_s == 12.0
    assert settings.assistant_retries == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARLEY_ASSISTANT_HISTORY_CHARS", "0"),
        ("PARLEY_ASSISTANT_HISTORY_CHARS", "lots"),
        ("PARLEY_ASSISTANT_HISTORY_CHARS", "1.5"),
        ("PARLEY_ASSISTANT_CONNECT_TIMEOUT_S", "0"),
        ("PARLEY_ASSISTANT_CONNECT_TIMEOUT_S", "-3"),
        ("PARLEY_ASSISTANT_CONNECT_TIMEOUT_S", "nan"),
        ("PARLEY_ASSISTANT_FIRST_TOKEN_TIMEOUT_S", "soon"),
        ("PARLEY_ASSISTANT_FIRST_TOKEN_TIMEOUT_S", "inf"),
        ("PARLEY_ASSISTANT_RETRIES", "-1"),
        ("PARLEY_ASSISTANT_RETRIES", "11"),
        ("PARLEY_ASSISTANT_RETRIES", "two"),
        ("PARLEY_ASSISTANT", "gpt"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        settings_from({name: value})


@pytest.mark.parametrize("missing", ["PARLEY_OPENAI_BASE_URL", "PARLEY_OPENAI_MODEL"])
def test_the_openai_assistant_needs_a_base_url_and_a_model(missing):
    environ = {name: value for name, value in OPENAI.items() if name != missing}

    with pytest.raises(SettingsError, match=missing):
        settings_from(environ)


def test_the_openai_config_is_built_from_the_settings():
    settings = settings_from(
        {
            **OPENAI,
            "PARLEY_OPENAI_API_KEY": "sk-local",
            "PARLEY_SYSTEM_PROMPT": "You help support agents.",
            "PARLEY_ASSISTANT_HISTORY_CHARS": "8000",
            "PARLEY_ASSISTANT_CONNECT_TIMEOUT_S": "1.5",
            "PARLEY_ASSISTANT_FIRST_TOKEN_TIMEOUT_S": "12",
            "PARLEY_ASSISTANT_RETRIES": "4",
        }
    )

    config = openai_config(settings)

    assert config.base_url == "http://127.0.0.1:8080/v1"
    assert config.model == "local-model"
    assert config.api_key == "sk-local"
    assert config.system_prompt == "You help support agents."
    assert config.history_chars == 8000
    assert config.connect_timeout_s == 1.5
    assert config.first_token_timeout_s == 12.0
    assert config.max_retries == 4


def test_without_a_system_prompt_the_adapter_s_own_is_used():
    assert openai_config(settings_from(OPENAI)).system_prompt == DEFAULT_SYSTEM_PROMPT


async def test_the_container_plugs_in_one_openai_assistant_when_it_is_chosen():
    container = Container(settings=settings_from(OPENAI))

    assistant = container.assistant()

    assert isinstance(assistant, OpenAICompatibleAssistant)
    assert container.assistant() is assistant
    await container.http_client().aclose()


def test_the_container_keeps_the_echo_assistant_by_default():
    assert isinstance(Container(settings=Settings()).assistant(), EchoAssistant)
