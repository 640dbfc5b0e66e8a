"""evaluate: see docs/design.md."""
