"""Adapters: the HTTP front, the stores, the assistant and token verifiers."""
