"""campaigns: see docs/design.md."""
