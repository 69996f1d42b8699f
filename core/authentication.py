"""Token authentication that reads the token, its user and the user's group names in one query.

DRF's TokenAuthentication reads the token with its user; `core.roles.user_roles` then asked for
the user's groups in a second query on every API request (issue #19). Here, on PostgreSQL, one
statement reads the token, every column of its user and ARRAY(the user's group names); the names
give the roles kept on this request's user object only (`core.roles.user_roles_remember`), so
`user_roles` needs no query and the next request reads them anew. The statement is built once
from the models' metadata and sent as it is: compiling the same query through the ORM cost more
Python per request than the round trip it saves. Refusals are DRF's own: an unknown key is
"Invalid token.", an inactive user's token "User inactive or deleted.". On another database
DRF's own path stays (SQLite has no arrays).
"""

from functools import cache
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core.roles import user_roles_remember


@cache
def _statement() -> tuple[str, list[str]]:
    """(the SQL reading token, user and group names by key; the user's attnames in its order)."""
    from rest_framework.authtoken.models import Token

    membership = User.groups.through._meta
    fields = list(User._meta.concrete_fields)
    columns = ", ".join(f'u."{field.column}"' for field in fields)
    user_id = User._meta.get_field("id").column
    token_user = Token._meta.get_field("user").column
    # Only model metadata is formatted in; the key is a parameter.
    sql = (
        f'SELECT t."created", {columns}, ARRAY('  # noqa: S608
        f'SELECT g."name" FROM "{Group._meta.db_table}" g '
        f'JOIN "{membership.db_table}" m ON m."{membership.get_field("group").column}" = g."id" '
        f'WHERE m."{membership.get_field("user").column}" = u."{user_id}") '
        f'FROM "{Token._meta.db_table}" t '
        f'JOIN "{User._meta.db_table}" u ON u."{user_id}" = t."{token_user}" '
        f'WHERE t."{Token._meta.get_field("key").column}" = %s'
    )
    return sql, [field.attname for field in fields]


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from rest_framework.authtoken.models import Token

        alias = router.db_for_read(Token)
        if connections[alias].vendor != "postgresql" or self.get_model() is not Token:
            return super().authenticate_credentials(key)
        sql, attnames = _statement()
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = User.from_db(alias, attnames, row[1:-1])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, row[0]])
        token.user = user
        # On this request's user object only: the next request reads its token and groups anew.
        user_roles_remember(user, row[-1])
        return (user, token)
