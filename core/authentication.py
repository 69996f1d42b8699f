"""Token authentication that reads the token, its user and the user's group names in one query.

DRF's TokenAuthentication reads the token with its user; `core.roles.user_roles` then asked for
the user's groups in a second query on every API request (issue #19). Here the group names come
with the token as an array (a subquery, PostgreSQL's ARRAY(...)), kept on the user object of this
request only, so `user_roles` reads them without a query. Refusals are DRF's own: an unknown key
is "Invalid token.", an inactive user's token "User inactive or deleted.". On another database
the second query stays (SQLite has no arrays).
"""

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core.roles import GROUP_NAMES_ATTRIBUTE


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if connection.vendor != "postgresql":
            return super().authenticate_credentials(key)
        from rest_framework.authtoken.models import Token

        names = Group.objects.filter(user=OuterRef("user_id")).values("name")
        try:
            token = (
                Token.objects.select_related("user")
                .annotate(user_group_names=ArraySubquery(names))
                .get(key=key)
            )
        except Token.DoesNotExist as missing:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from missing
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # On this request's user object only: the next request reads its token and groups anew.
        setattr(user, GROUP_NAMES_ATTRIBUTE, frozenset(token.user_group_names))
        return (user, token)
