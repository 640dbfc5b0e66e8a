"""cdr: see docs/design.md."""
