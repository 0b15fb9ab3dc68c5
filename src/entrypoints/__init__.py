"""Entrypoints: the composition root and the processes that run Parley."""
