"""Rules for the text people type: message content and titles."""

from domain.errors import InvalidContent, InvalidTitle

MAX_TITLE_CHARS = 200
MAX_STORED_MESSAGE_CHARS = 100_000
"""No message, the assistant's included, is ever longer; the database checks it too."""


def checked_content(content: str, max_chars: int) -> str:
    """Return `content` when it may be posted, else raise `InvalidContent`."""
    if "\x00" in content:
        raise InvalidContent("content must not contain U+0000")
    if not content.strip():
        raise InvalidContent("content must not be empty or only whitespace")
    limit = min(max_chars, MAX_STORED_MESSAGE_CHARS)
    if len(content) > limit:
        raise InvalidContent(f"content must be at most {limit} characters")
    return content


def checked_title(title: str | None) -> str | None:
    """Return `title` when it may name a conversation (None clears it), else raise."""
    if title is None:
        return None
    if "\x00" in title:
        raise InvalidTitle("title must not contain U+0000")
    if not 1 <= len(title) <= MAX_TITLE_CHARS:
        raise InvalidTitle(f"title must be 1 to {MAX_TITLE_CHARS} characters")
    return title
