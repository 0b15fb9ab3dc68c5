"""In-memory adapters: real implementations of every port, with transaction semantics."""
