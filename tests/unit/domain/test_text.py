import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidContent, InvalidTitle
from domain.text import MAX_STORED_MESSAGE_CHARS, MAX_TITLE_CHARS, checked_content, checked_title


def may_be_posted(content: str, max_chars: int) -> bool:
    return (
        "\x00" not in content
        and any(not ch.isspace() for ch in content)
        and len(content) <= max_chars
    )


def may_name_a_conversation(title: str) -> bool:
    return "\x00" not in title and 1 <= len(title) <= MAX_TITLE_CHARS


def test_valid_content_comes_back_unchanged():
    assert checked_content("  Hello\n", 10) == "  Hello\n"


@pytest.mark.parametrize("content", ["", " ", "\t\n\r ", "\u3000\u2003"])
def test_empty_or_whitespace_only_content_is_refused(content: str):
    with pytest.raises(InvalidContent):
        checked_content(content, 100)


def test_content_with_a_nul_character_is_refused():
    with pytest.raises(InvalidContent):
        checked_content("before\x00after", 100)


def test_content_longer_than_the_limit_is_refused():
    assert checked_content("abc", 3) == "abc"
    with pytest.raises(InvalidContent):
        checked_content("abcd", 3)


def test_no_limit_lets_content_past_the_stored_maximum():
    with pytest.raises(InvalidContent):
        checked_content("x" * (MAX_STORED_MESSAGE_CHARS + 1), MAX_STORED_MESSAGE_CHARS * 2)


def test_a_title_of_one_to_two_hundred_characters_is_accepted():
    assert checked_title("a") == "a"
    assert checked_title("t" * MAX_TITLE_CHARS) == "t" * MAX_TITLE_CHARS


def test_no_title_is_accepted_as_none():
    assert checked_title(None) is None


@pytest.mark.parametrize("title", ["", "t" * (MAX_TITLE_CHARS + 1), "a\x00b"])
def test_an_empty_overlong_or_nul_title_is_refused(title: str):
    with pytest.raises(InvalidTitle):
        checked_title(title)


@given(st.text(max_size=40), st.integers(min_value=0, max_value=30))
def test_content_is_accepted_exactly_when_it_may_be_posted(content: str, max_chars: int):
    if may_be_posted(content, max_chars):
        assert checked_content(content, max_chars) == content
    else:
        with pytest.raises(InvalidContent):
            checked_content(content, max_chars)


@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000"), max_size=20))
def test_whitespace_alone_is_never_content(content: str):
    with pytest.raises(InvalidContent):
        checked_content(content, 100)


@given(st.text(max_size=10), st.text(max_size=10))
def test_a_nul_anywhere_makes_content_invalid(head: str, tail: str):
    with pytest.raises(InvalidContent):
        checked_content(f"{head}\x00{tail}x", 100)


@given(st.text(max_size=MAX_TITLE_CHARS + 20))
def test_a_title_is_accepted_exactly_when_it_may_name_a_conversation(title: str):
    if may_name_a_conversation(title):
        assert checked_title(title) == title
    else:
        with pytest.raises(InvalidTitle):
            checked_title(title)
