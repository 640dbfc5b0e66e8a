"""screening: see docs/design.md."""
