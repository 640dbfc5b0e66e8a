"""callwarden: carrier-side defence against harassment and fraud calls.

The package map follows ``docs/design.md``: ``cdr`` (ingest), ``numbers`` (E.164, 归属地,
allocation), ``sim`` (traffic simulator), ``features``, ``detect``, ``campaigns``,
``screening``, ``policy`` (pure core), ``store``, ``api``, ``cli`` (edges).
"""

from callwarden.errors import CallwardenError, ConfigError, InputError, ModelError

__version__ = "0.1.0"
__all__ = ["CallwardenError", "ConfigError", "InputError", "ModelError", "__version__"]
