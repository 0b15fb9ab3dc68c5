"""`PARLEY_*` settings: defaults from API.md, and a clear refusal of every bad value."""

from pathlib import Path

import pytest

from entrypoints.settings import SettingsError, settings_from


def test_with_nothing_set_the_defaults_of_api_md_apply() -> None:
    settings = settings_from({})
    assert settings.database_url is None
    assert settings.data_dir == Path(".parley")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert (settings.auth_mode, settings.auto_provision) == ("dev", True)
    assert settings.assistant == "echo"
    assert (settings.max_message_chars, settings.max_body_bytes) == (16_000, 1_048_576)
    assert settings.rate_limit_per_minute == 300
    assert (settings.assistant_timeout_s, settings.session_idle_minutes) == (60.0, 30.0)
    assert settings.store == "postgres"


def test_clerk_mode_does_not_provision_unknown_users_unless_told_to() -> None:
    clerk = {"PARLEY_AUTH_MODE": "clerk", "PARLEY_CLERK_JWKS_URL": "https://clerk.test/jwks"}
    assert settings_from(clerk).auto_provision is False
    assert settings_from(clerk | {"PARLEY_AUTO_PROVISION": "true"}).auto_provision is True


def test_clerk_mode_needs_a_source_of_keys() -> None:
    with pytest.raises(SettingsError, match="PARLEY_CLERK_JWKS_URL"):
        settings_from({"PARLEY_AUTH_MODE": "clerk"})


def test_authorized_parties_are_a_comma_separated_list() -> None:
    settings = settings_from(
        {
            "PARLEY_AUTH_MODE": "clerk",
            "PARLEY_CLERK_JWT_KEY": "pem",
            "PARLEY_CLERK_AUTHORIZED_PARTIES": " https://a.test, https://b.test ,",
        }
    )
    assert settings.clerk_authorized_parties == {"https://a.test", "https://b.test"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARLEY_PORT", "eighty"),
        ("PARLEY_PORT", "70000"),
        ("PARLEY_AUTH_MODE", "none"),
        ("PARLEY_STORE", "redis"),
        ("PARLEY_AUTO_PROVISION", "perhaps"),
        ("PARLEY_MAX_MESSAGE_CHARS", "0"),
        ("PARLEY_MAX_MESSAGE_CHARS", "100001"),
        ("PARLEY_RATE_LIMIT_PER_MINUTE", "-1"),
        ("PARLEY_ASSISTANT_TIMEOUT_S", "nan"),
        ("PARLEY_LOG_FORMAT", "xml"),
        ("PARLEY_DEV_SECRET", "too-short"),
    ],
)
def test_a_bad_value_stops_the_service_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from({name: value})


def test_a_pool_smaller_at_least_than_at_most_is_refused() -> None:
    with pytest.raises(SettingsError, match="PARLEY_DB_POOL_MIN"):
        settings_from({"PARLEY_DB_POOL_MIN": "5", "PARLEY_DB_POOL_MAX": "2"})


def test_the_policy_carries_the_limits_to_the_use_cases() -> None:
    policy = settings_from(
        {"PARLEY_MAX_MESSAGE_CHARS": "500", "PARLEY_SESSION_IDLE_MINUTES": "5"}
    ).policy()
    assert policy.max_message_chars == 500
    assert policy.session_idle.total_seconds() == 300


def test_the_service_connects_as_its_own_role_when_one_is_named() -> None:
    owner = "postgresql://owner@db.test/parley"
    service = "postgresql://parley_service:secret@db.test/parley"
    settings = settings_from({"PARLEY_DATABASE_URL": owner, "PARLEY_APP_DATABASE_URL": service})
    assert (settings.database_url, settings.app_database_url) == (owner, service)
    assert settings_from({"PARLEY_DATABASE_URL": owner}).app_database_url is None


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"PARLEY_APP_DATABASE_URL": "postgresql://app@db.test/parley"}, "PARLEY_DATABASE_URL"),
        (
            {
                "PARLEY_DATABASE_URL": "postgresql://owner@db.test/parley",
                "PARLEY_APP_DATABASE_URL": "postgresql://db.test/parley",
            },
            "must name its user",
        ),
        (
            {
                "PARLEY_DATABASE_URL": "postgresql://owner@db.test/parley",
                "PARLEY_APP_DATABASE_URL": "no such=thing=here",
            },
            "not a connection URL",
        ),
    ],
    ids=["without-the-owners-url", "without-a-user", "unreadable"],
)
def test_a_service_database_url_that_cannot_be_used_is_refused(
    environment: dict[str, str], refusal: str
) -> None:
    with pytest.raises(SettingsError, match=refusal):
        settings_from(environment)
