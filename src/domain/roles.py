"""The part a participant plays in a conversation."""

from enum import StrEnum


class Role(StrEnum):
    ISO_AGENT = "iso_agent"
    AI_ASSISTANT = "ai_assistant"
    OPERATOR = "operator"
