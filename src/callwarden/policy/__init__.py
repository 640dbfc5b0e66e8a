"""policy: see docs/design.md."""
