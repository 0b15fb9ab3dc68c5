import stat
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.auth.dev import DevTokenVerifier
from adapters.auth.dev_secret import load_or_create_dev_secret


def test_a_secret_is_created_once_and_then_kept(tmp_path):
    first = load_or_create_dev_secret(tmp_path)
    second = load_or_create_dev_secret(tmp_path)

    assert first == second
    assert (tmp_path / "dev-secret").read_text() == first


def test_the_created_secret_is_long_enough_to_sign_dev_tokens(tmp_path):
    secret = load_or_create_dev_secret(tmp_path)

    assert len(secret) >= 64
    DevTokenVerifier(secret)


def test_each_data_directory_gets_its_own_secret(tmp_path):
    assert load_or_create_dev_secret(tmp_path / "a") != load_or_create_dev_secret(tmp_path / "b")


def test_the_secret_file_is_readable_by_its_owner_only(tmp_path):
    load_or_create_dev_secret(tmp_path)

    assert stat.S_IMODE((tmp_path / "dev-secret").stat().st_mode) == 0o600


def test_a_missing_data_directory_is_created(tmp_path):
    data_dir = tmp_path / "not" / "there" / "yet"

    secret = load_or_create_dev_secret(data_dir)

    assert (data_dir / "dev-secret").read_text() == secret


def test_an_existing_secret_is_read_without_its_trailing_newline(tmp_path):
    (tmp_path / "dev-secret").write_text("a-secret-someone-wrote-by-hand-0123456789\n")

    assert load_or_create_dev_secret(tmp_path) == "a-secret-someone-wrote-by-hand-0123456789"


def test_an_empty_secret_file_is_an_error_rather_than_an_empty_secret(tmp_path):
    (tmp_path / "dev-secret").write_text("\n")

    with pytest.raises(ValueError, match="is empty"):
        load_or_create_dev_secret(tmp_path)


def test_callers_racing_to_create_the_secret_all_end_with_the_same_one(tmp_path):
    racers = 16
    start = threading.Barrier(racers)

    def race(_):
        start.wait()
        return load_or_create_dev_secret(tmp_path / "data")

    with ThreadPoolExecutor(racers) as pool:
        secrets = set(pool.map(race, range(racers)))

    assert secrets == {(tmp_path / "data" / "dev-secret").read_text()}
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["dev-secret"]
