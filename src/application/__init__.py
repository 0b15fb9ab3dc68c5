"""Parley's use cases and the ports they drive."""
