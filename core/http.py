"""The acting user of a request, typed: views call services with a `User`, never an anonymous
user (DRF's and Django's request types allow both, which the permission already excluded)."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def acting_user(request: HttpRequest | Request) -> User:
    """The authenticated user behind `request`; PermissionDenied for anyone else (a view that
    reaches here without a role check is a bug, and it fails closed)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("An authenticated user is required.")
    return user
