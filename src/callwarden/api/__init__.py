"""The HTTP API (FastAPI): decide, number lookup, subscriber lists and settings, reports,
appeals and review, campaigns, health and metrics. Build it with :func:`create_app`."""

from callwarden.api.app import create_app
from callwarden.api.rate_limit import RateLimits
from callwarden.api.state import ApiSettings

__all__ = ["ApiSettings", "RateLimits", "create_app"]
