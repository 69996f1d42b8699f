"""Authentication backends of the test settings."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class AxesBackendAllowingTestClientLogin(AxesStandaloneBackend):
    """django-axes, except for `Client.login()`, which authenticates in-process without a
    request (it is not an HTTP login attempt). Every request-borne login is still counted."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
