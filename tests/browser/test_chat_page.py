"""The chat page with the built-in echo assistant: new chat, send, reload, paging, isolation,
no duplicates, rename and archive, the keyboard and the sizes of a desktop and a phone."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from browser.chat_page import ChatPage
from browser.conftest import api, dev_token, running_parley, screenshot
from server_process import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_parley(tmp_path_factory.mktemp("echo-server")) as running:
        yield running


@pytest.fixture
def chat(page: Page, server: Server) -> ChatPage:
    return ChatPage(page, server)


def stored_messages(server: Server, token: str, conversation_id: str) -> list[dict[str, Any]]:
    with api(server, token) as http:
        answer = http.get(f"/api/conversations/{conversation_id}/messages", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def conversations_of(server: Server, token: str) -> list[dict[str, Any]]:
    with api(server, token) as http:
        answer = http.get("/api/conversations", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def conversations_of_status(server: Server, token: str, status: str) -> list[dict[str, Any]]:
    with api(server, token) as http:
        answer = http.get("/api/conversations", params={"status": status})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_new_starts_an_empty_conversation_that_the_sidebar_lists(chat: ChatPage) -> None:
    chat.open().sign_in("nora-new")
    expect(chat.conversations).to_have_count(0)
    chat.new_button.click()
    expect(chat.conversations).to_have_count(1)
    expect(chat.conversations.first).to_have_attribute("aria-current", "true")
    expect(chat.conversations.first).to_contain_text("Untitled chat")
    expect(chat.message_box).to_be_focused()
    [listed] = conversations_of(chat.server, chat.token())
    assert listed["id"] == chat.conversation_id()
    assert listed["message_count"] == 0
    assert {p["role"] for p in listed["participants"]} == {"iso_agent", "ai_assistant"}


def test_a_sent_message_is_answered_and_both_are_stored(chat: ChatPage) -> None:
    chat.open().sign_in("sam-send")
    chat.new_button.click()
    chat.type_and_press_enter("Hello, assistant")
    expect(chat.assistant_says("Echo: Hello, assistant")).to_be_visible()
    expect(chat.texts).to_have_text(["Hello, assistant", "Echo: Hello, assistant"])
    expect(chat.page.locator(".message-who")).to_have_text(["You", "Assistant"])
    expect(chat.message_box).to_have_value("")
    expect(chat.send_button).to_be_disabled()
    stored = stored_messages(chat.server, chat.token(), chat.conversation_id())
    assert [(m["role"], m["content"]) for m in stored] == [
        ("iso_agent", "Hello, assistant"),
        ("ai_assistant", "Echo: Hello, assistant"),
    ]
    assert stored[0]["client_message_id"].startswith("web-")
    expect(chat.page.locator("#announcer")).to_have_text("Assistant: Echo: Hello, assistant")


def test_a_message_sent_before_pressing_new_starts_its_own_conversation(chat: ChatPage) -> None:
    chat.open().sign_in("fay-first")
    chat.type_and_press_enter("No New button first")
    expect(chat.assistant_says("Echo: No New button first")).to_be_visible()
    expect(chat.conversation_named("No New button first")).to_have_attribute("aria-current", "true")
    [listed] = conversations_of(chat.server, chat.token())
    assert listed["id"] == chat.conversation_id()
    assert listed["message_count"] == 2


def test_shift_enter_starts_a_new_line_and_enter_sends(chat: ChatPage) -> None:
    chat.open().sign_in("kim-keys")
    chat.message_box.focus()
    chat.page.keyboard.type("first line")
    chat.page.keyboard.press("Shift+Enter")
    chat.page.keyboard.type("second line")
    expect(chat.message_box).to_have_value("first line\nsecond line")
    chat.page.keyboard.press("Enter")
    expect(chat.assistant_says("Echo: first line")).to_be_visible()
    stored = stored_messages(chat.server, chat.token(), chat.conversation_id())
    assert stored[0]["content"] == "first line\nsecond line"


def test_a_reloaded_page_shows_the_conversation_and_its_messages(chat: ChatPage) -> None:
    chat.open().sign_in("rita-reload")
    chat.new_button.click()
    chat.type_and_press_enter("Remember me")
    expect(chat.assistant_says("Echo: Remember me")).to_be_visible()
    chat.new_button.click()
    chat.type_and_press_enter("A second chat")
    expect(chat.assistant_says("Echo: A second chat")).to_be_visible()
    first = chat.conversation_named("Remember me")
    first.click()
    expect(chat.messages).to_have_count(2)
    chat.page.reload()
    expect(chat.page.locator(".conversation-name")).to_have_text(["A second chat", "Remember me"])
    expect(chat.title).to_have_text("Remember me")
    expect(chat.texts).to_have_text(["Remember me", "Echo: Remember me"])
    chat.page.goto(f"{chat.server.url}/")  # coming back later, with no conversation named
    expect(chat.conversations).to_have_count(2)
    chat.conversation_named("Remember me").click()
    expect(chat.assistant_says("Echo: Remember me")).to_be_visible()


def test_scrolling_up_pages_back_through_a_long_conversation(chat: ChatPage) -> None:
    token = dev_token(chat.server, "lena-long")
    with api(chat.server, token) as http:
        started = http.post("/api/chat/init", json={"title": "A long one"})
        conversation_id = started.json()["conversation"]["id"]
        for number in range(1, 62):
            sent = http.post(
                "/api/chat", json={"message": f"line {number}", "conversation_id": conversation_id}
            )
            assert sent.status_code == 201, sent.text
    chat.open().sign_in("lena-long")
    chat.conversation_named("A long one").click()
    expect(chat.assistant_says("Echo: line 61")).to_be_in_viewport()
    assert chat.sequences_shown() == list(range(73, 123))
    scroller = chat.page.locator("#message-scroller")
    for _ in range(10):
        if chat.sequences_shown()[0] == 1:
            break
        shown = len(chat.sequences_shown())
        scroller.evaluate("element => element.scrollTo(0, 0)")
        expect(chat.stored_messages).not_to_have_count(shown)
    assert chat.sequences_shown() == list(range(1, 123))
    expect(chat.page.get_by_role("button", name="Load older messages")).to_be_hidden()
    expect(chat.page.get_by_text("line 1", exact=True)).to_be_visible()


def test_the_sidebar_loads_more_conversations_as_it_is_scrolled(chat: ChatPage) -> None:
    token = dev_token(chat.server, "mo-many")
    with api(chat.server, token) as http:
        for number in range(1, 46):
            made = http.post("/api/chat/init", json={"title": f"Chat number {number}"})
            assert made.status_code == 201, made.text
    chat.open().sign_in("mo-many")
    expect(chat.conversations.first).to_contain_text("Chat number 45")
    loaded = chat.conversations.count()
    assert loaded < 45
    scroller = chat.page.locator("#conversation-scroller")
    for _ in range(10):
        loaded = chat.conversations.count()
        if loaded == 45:
            break
        scroller.evaluate("element => element.scrollTo(0, element.scrollHeight)")
        expect(chat.conversations).not_to_have_count(loaded)
    expect(chat.conversations).to_have_count(45)
    names = chat.page.locator("#conversation-list .conversation-name").all_inner_texts()
    assert names == [f"Chat number {n}" for n in range(45, 0, -1)]


def test_a_second_user_sees_none_of_the_first_users_conversations(
    chat: ChatPage, new_page: Callable[[], Page]
) -> None:
    chat.open().sign_in("ada-owner")
    chat.new_button.click()
    chat.type_and_press_enter("A secret plan")
    expect(chat.assistant_says("Echo: A secret plan")).to_be_visible()
    conversation_id = chat.conversation_id()

    other = ChatPage(new_page(), chat.server).open().sign_in("eve-other")
    expect(other.page.locator("#conversations-empty")).to_have_text("No conversations yet.")
    expect(other.conversations).to_have_count(0)
    other.page.goto(f"{chat.server.url}/#conversation={conversation_id}")
    expect(other.failure).to_contain_text("does not exist, or is not yours")
    expect(other.messages).to_have_count(0)
    other.page.goto("about:blank")
    other.page.goto(f"{chat.server.url}/#conversation={conversation_id}")
    expect(other.failure).to_contain_text("does not exist, or is not yours")
    expect(other.messages).to_have_count(0)
    expect(other.page.get_by_text("A secret plan")).to_have_count(0)
    assert conversations_of(chat.server, other.token()) == []


def test_a_double_clicked_send_stores_one_message(chat: ChatPage) -> None:
    chat.open().sign_in("dora-double")
    chat.new_button.click()
    chat.message_box.fill("Only once, please")
    chat.send_button.dblclick()
    expect(chat.assistant_says("Echo: Only once, please")).to_be_visible()
    chat.page.wait_for_timeout(300)  # room for a second request, were one sent
    expect(chat.messages).to_have_count(2)
    stored = stored_messages(chat.server, chat.token(), chat.conversation_id())
    assert [(m["sequence"], m["role"]) for m in stored] == [(1, "iso_agent"), (2, "ai_assistant")]


def test_a_send_whose_answer_is_lost_is_resent_as_the_same_message(chat: ChatPage) -> None:
    chat.open().sign_in("nina-network")
    chat.new_button.click()
    bodies: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Route) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            route.fetch()  # the server gets it, stores it and answers: the answer is lost
            route.abort("connectionreset")
        else:
            route.continue_()

    chat.page.route("**/api/chat", lose_the_first_answer)
    chat.type_and_press_enter("Did you get this?")
    expect(chat.failure).to_contain_text("may not have been delivered")
    chat.retry_button.click()
    expect(chat.assistant_says("Echo: Did you get this?")).to_be_visible()
    expect(chat.failure).to_be_hidden()
    expect(chat.messages).to_have_count(2)
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    stored = stored_messages(chat.server, chat.token(), chat.conversation_id())
    assert [m["role"] for m in stored] == ["iso_agent", "ai_assistant"]
    assert stored[0]["client_message_id"] == bodies[0]["client_message_id"]


def test_a_conversation_is_renamed_then_archived_and_found_among_the_archived(
    chat: ChatPage,
) -> None:
    chat.open().sign_in("ray-rename")
    chat.new_button.click()
    chat.page.get_by_role("button", name="Rename").click()
    title_box = chat.page.get_by_label("Conversation title")
    expect(title_box).to_be_focused()
    title_box.fill("Quarterly plans")
    title_box.press("Enter")
    expect(chat.title).to_have_text("Quarterly plans")
    expect(chat.conversation_named("Quarterly plans")).to_have_count(1)
    conversation_id = chat.conversation_id()
    chat.page.get_by_role("button", name="Archive").click()
    expect(chat.conversations).to_have_count(0)
    expect(chat.message_box).to_be_disabled()
    [stored] = [
        c
        for c in conversations_of_status(chat.server, chat.token(), "archived")
        if c["id"] == conversation_id
    ]
    assert (stored["title"], stored["status"]) == ("Quarterly plans", "archived")
    chat.page.get_by_label("Show conversations").select_option("archived")
    expect(chat.conversation_named("Quarterly plans")).to_have_count(1)
    chat.page.get_by_role("button", name="Unarchive").click()
    expect(chat.conversations).to_have_count(0)
    expect(chat.message_box).to_be_enabled()
    assert [c["id"] for c in conversations_of(chat.server, chat.token())] == [conversation_id]


def test_the_page_is_usable_with_the_keyboard_alone(chat: ChatPage) -> None:
    chat.open()
    expect(chat.page.get_by_label("User id")).to_be_focused()
    chat.page.keyboard.type("kay-keyboard")
    chat.page.keyboard.press("Enter")
    expect(chat.message_box).to_be_focused()
    chat.page.keyboard.type("typed, not clicked")
    chat.page.keyboard.press("Enter")
    expect(chat.assistant_says("Echo: typed, not clicked")).to_be_visible()
    chat.new_button.focus()
    chat.page.keyboard.press("Enter")
    expect(chat.conversations).to_have_count(2)
    expect(chat.message_box).to_be_focused()
    chat.page.keyboard.press("Shift+Tab")
    expect(chat.page.get_by_label("Messages", exact=True)).to_be_focused()
    chat.page.keyboard.press("Shift+Tab")
    expect(chat.page.get_by_role("button", name="Archive")).to_be_focused()


def test_the_main_states_fit_a_desktop_and_a_phone_window(chat: ChatPage, phone_page: Page) -> None:
    chat.open()
    expect(chat.page.get_by_label("User id")).to_be_visible()
    screenshot(chat.page, "desktop-sign-in")
    chat.sign_in("pia-pictures")
    chat.new_button.click()
    chat.type_and_press_enter("What does the page look like?")
    expect(chat.assistant_says("Echo: What does the page look like?")).to_be_visible()
    chat.type_and_press_enter("A longer message, to see how the bubbles wrap " * 4)
    expect(chat.messages).to_have_count(4)
    expect(chat.messages.last).to_have_attribute("data-sequence", "4")
    screenshot(chat.page, "desktop-conversation")

    phone = ChatPage(phone_page, chat.server).open()
    screenshot(phone.page, "phone-sign-in")
    phone.sign_in("pia-pictures")
    expect(phone.page.locator("#sidebar")).not_to_be_in_viewport()
    toggle = phone.page.get_by_role("button", name="Chats")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(phone.new_button).to_be_focused()
    expect(phone.page.locator("#sidebar")).to_be_in_viewport(ratio=1)
    screenshot(phone.page, "phone-sidebar-open")
    phone.conversation_named("What does the page look like?").click()
    expect(phone.page.locator("#sidebar")).not_to_be_in_viewport()
    expect(phone.messages).to_have_count(4)
    expect(phone.message_box).to_be_in_viewport()
    screenshot(phone.page, "phone-conversation")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
