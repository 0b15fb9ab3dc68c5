"""Assistants: the AI half of every conversation."""
