"""DRF throttles whose rates are read from settings on every request.

DRF's own classes copy DEFAULT_THROTTLE_RATES into a class attribute when they are imported, so a
rate changed later (an override in tests, a reloaded setting) would be ignored.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


def _live_rate(scope: str | None) -> str | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope or "")
    return None if rate is None else str(rate)


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Anonymous callers, counted per client address."""

    def get_rate(self) -> str | None:
        return _live_rate(self.scope)


class UserRateThrottle(throttling.UserRateThrottle):
    """Signed-in callers (token or session), counted per user."""

    def get_rate(self) -> str | None:
        return _live_rate(self.scope)
