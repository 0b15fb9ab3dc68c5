"""The ports: what the use cases need from the world, implemented by adapters."""
