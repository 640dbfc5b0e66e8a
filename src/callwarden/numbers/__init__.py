"""numbers: see docs/design.md."""
