"""The HTTP API as a state machine: three users of the real app, on PostgreSQL, start chats,
send (with and without a `client_message_id`, retrying it and reusing it for something else),
ask for replies, read and page, rename, archive and unarchive, end chat sessions, and try every
route on one another's ids, while a plain model (`chat_model.py`) says what each must see.

After every step: each user lists exactly its own conversations, in order of activity, with the
model's titles, statuses, message counts and active chat sessions; every conversation that
changed holds the model's messages, with sequences 1..n and one echo reply to each accepted
send; no answer is a 5xx. Each example has users of its own, so examples do not meet.
"""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from e2e.chat_model import (
    ECHO,
    ChatModel,
    Conversation,
    Keyed,
    Said,
    Session,
    may_be_posted,
    may_name,
)
from e2e.conftest import bearer
from e2e.helpers import Client, Json, assert_problem

AGENTS = 3
agents = st.integers(0, AGENTS - 1)
others = st.integers(1, AGENTS - 1)
"""How far round the users another one is: never the owner."""
messages = st.one_of(
    st.sampled_from(["hello", "how are you?", "  spaced out  ", "Ünïcødé ✓"]),
    st.text(max_size=12),
)
keys = st.one_of(st.none(), st.sampled_from(["k1", "k2", "retry-3.x:y"]))
titles = st.one_of(
    st.none(),
    st.sampled_from(["Plans", "Ünïcødé ✓", "t" * 200, "", "t" * 201, "a\x00b"]),
    st.text(max_size=8),
)
NOT_FOUND = "conversation_not_found"


class ChatMachine(RuleBasedStateMachine):
    """Subclassed by the test with the client to drive (`client`)."""

    client: Client
    conversations = Bundle("conversations")

    def __init__(self) -> None:
        super().__init__()
        run = uuid4().hex[:8]
        self.headers = [bearer(f"machine-{run}-{n}") for n in range(AGENTS)]
        self.model = ChatModel()
        self.changed: set[str] = set()

    # --- requests -------------------------------------------------------------------------

    def call(self, agent: int, method: str, path: str, **options: Any) -> httpx.Response:
        response = self.client.request(method, path, headers=self.headers[agent], **options)
        assert response.status_code < 500, response.text
        return response

    def answered(self, response: httpx.Response, status: int) -> Json:
        assert response.status_code == status, response.text
        body: Json = response.json()
        return body

    # --- starting and sending ---------------------------------------------------------------

    @initialize()
    def nothing_yet(self) -> None:
        assert self.model.conversations == {}

    @rule(target=conversations, agent=agents, title=titles)
    def start_chat(self, agent: int, title: str | None) -> Any:
        body = None if title is None else {"title": title}
        response = self.call(agent, "POST", "/api/chat/init", json=body)
        if not may_name(title):
            assert_problem(response, 400, "invalid_request")
            return multiple()
        started = self.answered(response, 201)
        conversation = self.model.start(started["conversation"]["id"], agent, title)
        session = Session(started["chat_session"]["id"], conversation.id, agent)
        conversation.sessions.append(session)
        self.model.check_conversation(started["conversation"], conversation)
        self.model.check_session(started["chat_session"], session)
        return conversation.id

    @rule(target=conversations, agent=agents, message=messages, key=keys)
    def send_without_a_conversation(self, agent: int, message: str, key: str | None) -> Any:
        response = self.call(agent, "POST", "/api/chat", json=self.send_body(message, key))
        if not may_be_posted(message):
            assert_problem(response, 400, "invalid_request")
            return multiple()
        keyed = None if key is None else self.model.keys.get((agent, key))
        if keyed is not None:
            self.check_keyed_send(response, agent, keyed, message, same_conversation=True)
            return multiple()
        turn = self.answered(response, 201)
        conversation = self.model.start(turn["conversation"]["id"], agent, None)
        self.check_turn(turn, agent, conversation, message, key)
        return conversation.id

    @rule(conversation_id=conversations, message=messages, key=keys)
    def send_to_a_conversation(self, conversation_id: str, message: str, key: str | None) -> None:
        conversation = self.model.conversations[conversation_id]
        agent = conversation.owner
        body = self.send_body(message, key, conversation_id)
        response = self.call(agent, "POST", "/api/chat", json=body)
        keyed = None if key is None else self.model.keys.get((agent, key))
        if not may_be_posted(message):
            assert_problem(response, 400, "invalid_request")
        elif keyed is not None:
            same = keyed.conversation_id == conversation_id
            self.check_keyed_send(response, agent, keyed, message, same_conversation=same)
        elif conversation.archived:
            assert_problem(response, 409, "conversation_archived")
        else:
            self.check_turn(self.answered(response, 201), agent, conversation, message, key)

    @precondition(lambda self: self.model.keys)
    @rule(data=st.data(), name_the_conversation=st.booleans())
    def retry_a_keyed_send(self, data: st.DataObject, name_the_conversation: bool) -> None:
        agent, key = data.draw(st.sampled_from(sorted(self.model.keys)))
        keyed = self.model.keys[agent, key]
        conversation_id = keyed.conversation_id if name_the_conversation else None
        body = self.send_body(keyed.message, key, conversation_id)
        response = self.call(agent, "POST", "/api/chat", json=body)
        self.check_keyed_send(response, agent, keyed, keyed.message, same_conversation=True)

    @precondition(lambda self: self.model.keys)
    @rule(data=st.data())
    def reuse_a_key_for_another_message(self, data: st.DataObject) -> None:
        agent, key = data.draw(st.sampled_from(sorted(self.model.keys)))
        keyed = self.model.keys[agent, key]
        body = self.send_body(f"not {keyed.message}", key, keyed.conversation_id)
        response = self.call(agent, "POST", "/api/chat", json=body)
        assert_problem(response, 409, "idempotency_conflict")

    def send_body(self, message: str, key: str | None, conversation_id: str | None = None) -> Json:
        body: Json = {"message": message}
        if key is not None:
            body["client_message_id"] = key
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        return body

    def check_turn(
        self, turn: Json, agent: int, conversation: Conversation, message: str, key: str | None
    ) -> None:
        """A send accepted: the message and one echo reply stored, in this order."""
        session_id = turn["chat_session"]["id"]
        user = Said(turn["user_message"]["id"], "iso_agent", message, key)
        reply = Said(turn["assistant_message"]["id"], "ai_assistant", ECHO + message)
        self.model.post(conversation, user, session_id)
        self.model.post(conversation, reply, session_id)
        self.changed.add(conversation.id)
        if key is not None:
            self.model.keys[agent, key] = Keyed(conversation.id, message, user.id, reply.id)
        self.model.check_conversation(turn["conversation"], conversation)
        self.model.check_session(turn["chat_session"], conversation.sessions[-1])
        self.model.check_message(turn["user_message"], user, conversation)
        self.model.check_message(turn["assistant_message"], reply, conversation)

    def check_keyed_send(
        self,
        response: httpx.Response,
        agent: int,
        keyed: Keyed,
        message: str,
        *,
        same_conversation: bool,
    ) -> None:
        """A send with a key used before: a retry answers the stored turn, storing nothing."""
        if message != keyed.message or not same_conversation:
            assert_problem(response, 409, "idempotency_conflict")
            return
        turn = self.answered(response, 200)
        conversation = self.model.conversations[keyed.conversation_id]
        assert conversation.owner == agent
        ids = (turn["user_message"]["id"], turn["assistant_message"]["id"])
        assert ids == (keyed.user_message_id, keyed.assistant_message_id)
        self.model.check_conversation(turn["conversation"], conversation)
        assert turn["chat_session"]["id"] == conversation.sessions[-1].id
        self.model.check_session(turn["chat_session"], conversation.sessions[-1])

    @rule(conversation_id=conversations)
    def ask_for_a_reply(self, conversation_id: str) -> None:
        conversation = self.model.conversations[conversation_id]
        path = f"/api/conversations/{conversation_id}/reply"
        response = self.call(conversation.owner, "POST", path)
        if conversation.archived:
            assert_problem(response, 409, "conversation_archived")
        elif not conversation.messages:
            assert_problem(response, 409, "nothing_to_reply")
        else:
            given = self.answered(response, 201)
            content = ECHO + conversation.messages[-1].content
            reply = Said(given["assistant_message"]["id"], "ai_assistant", content)
            self.model.post(conversation, reply, given["chat_session"]["id"])
            self.changed.add(conversation_id)
            self.model.check_message(given["assistant_message"], reply, conversation)
            self.model.check_session(given["chat_session"], conversation.sessions[-1])

    # --- changing and ending ------------------------------------------------------------------

    @rule(conversation_id=conversations, title=titles)
    def rename(self, conversation_id: str, title: str | None) -> None:
        conversation = self.model.conversations[conversation_id]
        path = f"/api/conversations/{conversation_id}"
        response = self.call(conversation.owner, "PATCH", path, json={"title": title})
        if not may_name(title):
            assert_problem(response, 400, "invalid_request")
            return
        conversation.title = title
        self.model.check_conversation(self.answered(response, 200), conversation)

    @rule(conversation_id=conversations, status=st.sampled_from(["active", "archived"]))
    def archive_or_unarchive(self, conversation_id: str, status: str) -> None:
        conversation = self.model.conversations[conversation_id]
        path = f"/api/conversations/{conversation_id}"
        response = self.call(conversation.owner, "PATCH", path, json={"status": status})
        conversation.status = status
        self.model.check_conversation(self.answered(response, 200), conversation)

    @rule(conversation_id=conversations)
    def end_the_chat_session(self, conversation_id: str) -> None:
        conversation = self.model.conversations[conversation_id]
        session = conversation.sessions[-1]
        path = f"/api/chat-sessions/{session.id}"
        ended = self.answered(self.call(conversation.owner, "POST", f"{path}/end"), 200)
        session.ended = True
        self.model.check_session(ended, session)
        read = self.answered(self.call(conversation.owner, "GET", path), 200)
        self.model.check_session(read, session)

    # --- reading ----------------------------------------------------------------------------

    @rule(conversation_id=conversations)
    def read(self, conversation_id: str) -> None:
        conversation = self.model.conversations[conversation_id]
        response = self.call(conversation.owner, "GET", f"/api/conversations/{conversation_id}")
        self.model.check_conversation(self.answered(response, 200), conversation)

    @rule(
        conversation_id=conversations,
        limit=st.integers(1, 5),
        bound=st.sampled_from(["before", "after", None]),
        at=st.integers(0, 12),
    )
    def page_messages(self, conversation_id: str, limit: int, bound: str | None, at: int) -> None:
        conversation = self.model.conversations[conversation_id]
        sequences = list(range(1, len(conversation.messages) + 1))
        query: Json = {"limit": limit}
        if bound == "before":
            at = max(at, 1)
            older = [s for s in sequences if s < at]
            expected, more = older[-limit:], len(older) > limit
        elif bound == "after":
            newer = [s for s in sequences if s > at]
            expected, more = newer[:limit], len(newer) > limit
        else:
            expected, more = sequences[-limit:], len(sequences) > limit
        if bound is not None:
            query[bound] = at
        path = f"/api/conversations/{conversation_id}/messages"
        page = self.answered(self.call(conversation.owner, "GET", path, params=query), 200)
        assert [m["sequence"] for m in page["items"]] == expected
        assert page["has_more"] is more
        for item in page["items"]:
            said = conversation.messages[item["sequence"] - 1]
            self.model.check_message(item, said, conversation)

    @rule(agent=agents, limit=st.integers(1, 3), status=st.sampled_from(["active", "archived"]))
    def page_conversations(self, agent: int, limit: int, status: str) -> None:
        expected = [c for c in self.model.owned_by(agent) if c.status == status]
        seen: list[Json] = []
        query: Json = {"limit": limit, "status": status}
        for _ in range(len(expected) // limit + 1):
            page = self.answered(self.call(agent, "GET", "/api/conversations", params=query), 200)
            assert len(page["items"]) <= limit
            seen.extend(page["items"])
            if page["next_cursor"] is None:
                break
            query["cursor"] = page["next_cursor"]
        assert [c["id"] for c in seen] == [c.id for c in expected]
        for body, conversation in zip(seen, expected, strict=True):
            self.model.check_conversation(body, conversation)

    # --- trying another's ids ---------------------------------------------------------------

    @rule(conversation_id=conversations, other=others)
    def try_every_route_on_anothers_conversation(self, conversation_id: str, other: int) -> None:
        conversation = self.model.conversations[conversation_id]
        intruder = (conversation.owner + other) % AGENTS
        path = f"/api/conversations/{conversation_id}"
        session = f"/api/chat-sessions/{conversation.sessions[-1].id}"
        attempts: list[tuple[Callable[[], httpx.Response], str]] = [
            (lambda: self.call(intruder, "GET", path), NOT_FOUND),
            (lambda: self.call(intruder, "GET", f"{path}/messages"), NOT_FOUND),
            (lambda: self.call(intruder, "PATCH", path, json={"title": "mine"}), NOT_FOUND),
            (lambda: self.call(intruder, "PATCH", path, json={"status": "archived"}), NOT_FOUND),
            (lambda: self.call(intruder, "POST", f"{path}/reply"), NOT_FOUND),
            (lambda: self.send_as(intruder, conversation_id, None), NOT_FOUND),
            (lambda: self.send_as(intruder, conversation_id, "k1"), NOT_FOUND),
            (lambda: self.call(intruder, "GET", session), "chat_session_not_found"),
            (lambda: self.call(intruder, "POST", f"{session}/end"), "chat_session_not_found"),
        ]
        for attempt, code in attempts:
            assert_problem(attempt(), 404, code)

    def send_as(self, agent: int, conversation_id: str, key: str | None) -> httpx.Response:
        body = self.send_body("let me in", key, conversation_id)
        return self.call(agent, "POST", "/api/chat", json=body)

    # --- after every step ---------------------------------------------------------------------

    @invariant()
    def each_user_lists_exactly_its_own_conversations_as_the_model_says(self) -> None:
        for agent in range(AGENTS):
            query = {"status": "all", "limit": 100}
            page = self.answered(self.call(agent, "GET", "/api/conversations", params=query), 200)
            expected = self.model.owned_by(agent)
            assert [c["id"] for c in page["items"]] == [c.id for c in expected]
            assert page["next_cursor"] is None
            for body, conversation in zip(page["items"], expected, strict=True):
                self.model.check_conversation(body, conversation)

    @invariant()
    def every_changed_conversation_holds_the_models_messages_in_order(self) -> None:
        for conversation_id in sorted(self.changed):
            conversation = self.model.conversations[conversation_id]
            path = f"/api/conversations/{conversation_id}/messages"
            query = {"limit": 200}
            page = self.answered(self.call(conversation.owner, "GET", path, params=query), 200)
            stored = page["items"]
            assert [m["sequence"] for m in stored] == list(range(1, len(stored) + 1))
            assert len(stored) == len(conversation.messages)
            for body, said in zip(stored, conversation.messages, strict=True):
                self.model.check_message(body, said, conversation)
            each_send_has_one_reply(stored)
        self.changed.clear()


def each_send_has_one_reply(stored: list[Json]) -> None:
    """Every message of the owner is followed at once by the echo of it, its one reply; no
    `client_message_id` is stored twice."""
    for n, message in enumerate(stored):
        if message["role"] == "iso_agent":
            assert n + 1 < len(stored), "a send without its reply"
            reply = stored[n + 1]
            assert (reply["role"], reply["content"]) == ("ai_assistant", ECHO + message["content"])
    keys = [m["client_message_id"] for m in stored if m["client_message_id"] is not None]
    assert len(keys) == len(set(keys)), "a client_message_id stored twice"


def test_the_api_agrees_with_a_model_of_its_users_conversations(client: Client) -> None:
    class DrivenChatMachine(ChatMachine):
        pass

    DrivenChatMachine.client = client
    run_state_machine_as_test(
        DrivenChatMachine,
        settings=settings(max_examples=25, stateful_step_count=30, deadline=None, database=None),
    )
