"""Thin command-line edge over the library. Each module here adds its commands with ``register``."""
