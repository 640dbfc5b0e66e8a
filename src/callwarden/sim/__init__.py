"""sim: see docs/design.md."""
