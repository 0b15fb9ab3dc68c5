"""The chat page as a person uses it: by labels, roles and keys, as Playwright sees them."""

import json
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect

from server_process import Server


@dataclass
class ChatPage:
    page: Page
    server: Server

    def open(self, fragment: str = "") -> "ChatPage":
        self.page.goto(f"{self.server.url}/{fragment}")
        return self

    def sign_in(self, user_id: str) -> "ChatPage":
        self.page.get_by_label("User id").fill(user_id)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.message_box).to_be_visible()
        return self

    @property
    def new_button(self) -> Locator:
        return self.page.get_by_role("button", name="New", exact=True)

    @property
    def message_box(self) -> Locator:
        return self.page.get_by_label("Message", exact=True)

    @property
    def send_button(self) -> Locator:
        return self.page.get_by_role("button", name="Send", exact=True)

    @property
    def retry_button(self) -> Locator:
        return self.page.get_by_role("button", name="Retry", exact=True)

    @property
    def title(self) -> Locator:
        return self.page.locator("#conversation-title")

    @property
    def failure(self) -> Locator:
        return self.page.get_by_role("alert").filter(has=self.page.locator("#failure-text"))

    @property
    def messages(self) -> Locator:
        return self.page.locator("#messages > li")

    @property
    def texts(self) -> Locator:
        return self.page.locator("#messages > li .message-text")

    @property
    def stored_messages(self) -> Locator:
        return self.page.locator("#messages > li[data-sequence]")

    @property
    def conversations(self) -> Locator:
        return self.page.locator("#conversation-list button")

    def conversation_named(self, title: str) -> Locator:
        return self.conversations.filter(has_text=title)

    def assistant_says(self, text: str) -> Locator:
        return self.page.locator("#messages > li.theirs[data-sequence] .message-text").filter(
            has_text=text
        )

    def type_and_press_enter(self, text: str) -> None:
        self.message_box.fill(text)
        self.message_box.press("Enter")

    def token(self) -> str:
        saved: Any = self.page.evaluate("localStorage.getItem('parley.session')")
        token: str = json.loads(saved)["token"]
        return token

    def conversation_id(self) -> str:
        fragment: str = self.page.evaluate("location.hash")
        assert fragment.startswith("#conversation="), fragment
        return fragment.removeprefix("#conversation=")

    def sequences_shown(self) -> list[int]:
        found: list[str] = self.stored_messages.evaluate_all(
            "items => items.map(item => item.dataset.sequence)"
        )
        return [int(sequence) for sequence in found]
