"""The HTTP adapter: Parley's contract (API.md) on Litestar, with msgspec schemas."""
