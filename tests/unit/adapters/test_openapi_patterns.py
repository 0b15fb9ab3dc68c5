"""The patterns the OpenAPI document gives text fields mean what the domain's rules say."""

import re
import sys

from hypothesis import given
from hypothesis import strategies as st

from adapters.http.openapi import NO_NUL, SOME_TEXT, WHITE_SPACE
from domain.errors import InvalidContent
from domain.text import checked_content


def test_the_white_space_class_is_what_python_strips_from_a_message() -> None:
    white_space = re.compile(f"[{WHITE_SPACE}]")

    differing = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if (white_space.fullmatch(chr(code)) is not None) != chr(code).isspace()
    ]

    assert differing == []


def accepted_as_content(text: str) -> bool:
    try:
        checked_content(text, max_chars=len(text) + 1)
    except InvalidContent:
        return False
    return True


@given(st.text(st.sampled_from(" \t\n\x00\x85\u3000\ufeffa")))
def test_a_message_matches_its_pattern_exactly_when_the_domain_accepts_it(text: str) -> None:
    assert (re.search(SOME_TEXT, text) is not None) is accepted_as_content(text)


@given(st.text(st.sampled_from(" \n\x00a")))
def test_a_title_matches_its_pattern_exactly_when_it_has_no_nul(text: str) -> None:
    assert (re.search(NO_NUL, text) is not None) is ("\x00" not in text)
