"""The chat page with an OpenAI-compatible assistant (a loopback fake): the reply is seen as it
streams, and a failed reply is told clearly and retried."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser.chat_page import ChatPage
from browser.conftest import api, running_parley, screenshot
from server_process import Server
from unit.assistant.fake_openai import FakeOpenAI, Refusal, Reply, running_fake_openai

SLOW_REPLY = "The reply arrives in several pieces, one after another, as it is written."
FAKE_DEFAULT = "Hello from the fake server."


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fake_openai: FakeOpenAI) -> Iterator[Server]:
    with running_parley(
        tmp_path_factory.mktemp("openai-server"),
        PARLEY_ASSISTANT="openai",
        PARLEY_OPENAI_BASE_URL=fake_openai.base_url,
        PARLEY_OPENAI_MODEL="fake-model-1",
        PARLEY_ASSISTANT_RETRIES="0",
        PARLEY_ASSISTANT_TIMEOUT_S="15",
    ) as running:
        yield running


@pytest.fixture
def chat(page: Page, server: Server) -> ChatPage:
    return ChatPage(page, server)


def stored_roles_and_contents(chat: ChatPage) -> list[tuple[str, str]]:
    with api(chat.server, chat.token()) as http:
        answer = http.get(f"/api/conversations/{chat.conversation_id()}/messages")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return [(m["role"], m["content"]) for m in items]


def test_the_reply_is_shown_piece_by_piece_as_it_streams(
    chat: ChatPage, fake_openai: FakeOpenAI
) -> None:
    fake_openai.plan(Reply(content=SLOW_REPLY, chunk_delay_s=0.25))
    chat.open().sign_in("stella-stream")
    chat.new_button.click()
    chat.type_and_press_enter("Write slowly, please")
    streaming = chat.page.locator("#messages > li.streaming")
    expect(streaming).to_have_attribute("aria-busy", "true")
    expect(streaming.locator(".message-text")).to_have_text(re.compile(r"^The reply arrives"))
    partial = streaming.locator(".message-text").inner_text()
    assert SLOW_REPLY.startswith(partial)
    assert partial != SLOW_REPLY
    expect(chat.send_button).to_be_disabled()
    screenshot(chat.page, "desktop-streaming")
    expect(chat.assistant_says(SLOW_REPLY)).to_be_visible()
    expect(streaming).to_have_count(0)
    expect(chat.page.locator("#announcer")).to_have_text(f"Assistant: {SLOW_REPLY}")
    assert stored_roles_and_contents(chat) == [
        ("iso_agent", "Write slowly, please"),
        ("ai_assistant", SLOW_REPLY),
    ]


def test_a_failed_reply_is_told_clearly_and_retry_gets_the_answer(
    chat: ChatPage, fake_openai: FakeOpenAI
) -> None:
    fake_openai.plan(Refusal(500))
    asked_before = fake_openai.call_count
    chat.open().sign_in("fred-failure")
    chat.new_button.click()
    chat.type_and_press_enter("Are you there?")
    expect(chat.failure).to_contain_text("The assistant could not answer")
    expect(chat.failure).to_contain_text("Your message is saved")
    expect(chat.stored_messages).to_have_count(1)
    expect(chat.texts).to_have_text(["Are you there?"])
    expect(chat.message_box).to_be_focused()  # the alert is read out; typing goes on
    screenshot(chat.page, "desktop-assistant-failed")
    assert stored_roles_and_contents(chat) == [("iso_agent", "Are you there?")]

    chat.page.keyboard.press("Shift+Tab")
    expect(chat.retry_button).to_be_focused()
    chat.page.keyboard.press("Enter")
    expect(chat.assistant_says(FAKE_DEFAULT)).to_be_visible()
    expect(chat.failure).to_be_hidden()
    expect(chat.texts).to_have_text(["Are you there?", FAKE_DEFAULT])
    assert fake_openai.call_count == asked_before + 2
    assert stored_roles_and_contents(chat) == [
        ("iso_agent", "Are you there?"),
        ("ai_assistant", FAKE_DEFAULT),
    ]


def test_a_message_left_unanswered_offers_a_retry_when_the_conversation_is_opened_again(
    chat: ChatPage, fake_openai: FakeOpenAI, phone_page: Page
) -> None:
    fake_openai.plan(Refusal(503))
    chat.open().sign_in("una-unanswered")
    chat.type_and_press_enter("Anyone?")
    expect(chat.failure).to_contain_text("The assistant could not answer")
    conversation_id = chat.conversation_id()

    phone = ChatPage(phone_page, chat.server).open(f"#conversation={conversation_id}")
    phone.sign_in("una-unanswered")
    expect(phone.texts).to_have_text(["Anyone?"])
    expect(phone.failure).to_contain_text("has not answered the latest message")
    screenshot(phone.page, "phone-assistant-failed")
    phone.retry_button.click()
    expect(phone.assistant_says(FAKE_DEFAULT)).to_be_visible()
    expect(phone.failure).to_be_hidden()
    assert stored_roles_and_contents(phone) == [
        ("iso_agent", "Anyone?"),
        ("ai_assistant", FAKE_DEFAULT),
    ]
