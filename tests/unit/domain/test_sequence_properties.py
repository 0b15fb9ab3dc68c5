from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain.conversation import Conversation
from domain.message import Message

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
OWNER = UUID(int=1)
OPERATOR = UUID(int=2)
LIMIT = 50

senders = st.sampled_from(["owner", "operator", "assistant"])
contents = st.text(min_size=1, max_size=LIMIT).filter(lambda s: s.strip() and "\x00" not in s)


def post(conversation: Conversation, sender: str, content: str, at: datetime) -> Message:
    if sender == "assistant":
        return conversation.post_reply(content, at, reply_to=UUID(int=0))
    agent_id = OWNER if sender == "owner" else OPERATOR
    return conversation.post_by_agent(agent_id, content, at, max_chars=LIMIT)


def started_with_operator() -> Conversation:
    conversation = Conversation.start(OWNER, NOW)
    conversation.add_operator(OWNER, OPERATOR, NOW)
    return conversation


@given(st.lists(st.tuples(senders, contents), max_size=30))
def test_any_run_of_valid_posts_is_numbered_one_to_n(posts: list[tuple[str, str]]):
    conversation = started_with_operator()

    messages = [
        post(conversation, sender, content, NOW + timedelta(seconds=i))
        for i, (sender, content) in enumerate(posts)
    ]

    assert [m.sequence for m in messages] == list(range(1, len(posts) + 1))
    assert conversation.last_sequence == conversation.message_count == len(posts)
    assert [m.content for m in messages] == [content for _, content in posts]


@given(st.lists(st.tuples(senders, contents), min_size=1, max_size=30))
def test_the_last_message_time_is_the_time_of_the_last_post(posts: list[tuple[str, str]]):
    conversation = started_with_operator()

    for i, (sender, content) in enumerate(posts):
        post(conversation, sender, content, NOW + timedelta(seconds=i))

    assert conversation.last_message_at == NOW + timedelta(seconds=len(posts) - 1)
    assert conversation.last_activity_at == conversation.last_message_at


@given(st.lists(st.tuples(senders, contents), max_size=30))
def test_every_post_moves_the_version_by_one(posts: list[tuple[str, str]]):
    conversation = started_with_operator()
    start = conversation.version

    for sender, content in posts:
        post(conversation, sender, content, NOW)

    assert conversation.version == start + len(posts)


@given(st.lists(st.tuples(senders, contents), max_size=30))
def test_posting_never_touches_the_participants(posts: list[tuple[str, str]]):
    conversation = started_with_operator()
    participants = conversation.participants

    for sender, content in posts:
        post(conversation, sender, content, NOW)

    assert conversation.participants == participants


@given(st.one_of(st.none(), st.text(min_size=1, max_size=200).filter(lambda t: "\x00" not in t)))
def test_any_valid_title_names_the_conversation(title: str | None):
    conversation = Conversation.start(OWNER, NOW, title=title)
    conversation.rename(title, NOW)

    assert conversation.title == title
