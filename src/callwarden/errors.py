"""The error hierarchy. Every error callwarden raises on purpose is one of these::

    CallwardenError            root; carries the HTTP status an API should answer with
    ├── InputError             bad data or arguments from the user (400)
    ├── ConfigError            bad configuration, mapping or scenario file (400)
    └── ModelError             missing or malformed model directory (422)

The CLI prints ``error: <message>`` and exits 2; the API maps each to one JSON error shape.
"""

from __future__ import annotations


class CallwardenError(Exception):
    """Root of callwarden's errors."""

    status_hint: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, status_hint: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_hint is not None:
            self.status_hint = status_hint


class InputError(CallwardenError):
    """Input data or arguments that cannot be used as given."""

    status_hint = 400
    code = "invalid_input"


class ConfigError(CallwardenError):
    """A configuration, mapping or scenario file that cannot be used."""

    status_hint = 400
    code = "invalid_config"


class ModelError(CallwardenError):
    """A model directory that is missing, incomplete or of another version."""

    status_hint = 422
    code = "invalid_model"
