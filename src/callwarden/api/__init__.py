"""api: see docs/design.md."""
