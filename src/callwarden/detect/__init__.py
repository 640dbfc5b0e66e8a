"""detect: see docs/design.md."""
