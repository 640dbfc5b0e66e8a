"""features: see docs/design.md."""
