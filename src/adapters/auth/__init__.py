"""Token verifiers: the adapters behind the `TokenVerifier` port, and how agents are synced."""
