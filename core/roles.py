"""The roles of SPEC §1. Each role is a Django group; superusers hold every role."""

from collections.abc import Iterable
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    SUPPORT_STAFF = "support_staff"
    RECORDS_MANAGER = "records_manager"
    COMPLIANCE_AUDITOR = "compliance_auditor"


# Who reads the governance side (records, retention, QA, privacy, audit): SPEC §1.
GOVERNANCE_ROLES = (Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR)
# The roles of a user, kept on the user object of one request (the next request reads anew).
_ROLES_ATTRIBUTE = "_chatrecords_roles"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, _ROLES_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if getattr(user, "is_superuser", False):
        return user_roles_remember(user, ())
    # PermissionsMixin's relation: every user model of this project has it.
    groups = getattr(user, "groups")  # noqa: B009
    return user_roles_remember(user, groups.values_list("name", flat=True))


def user_roles_remember(
    user: AbstractBaseUser | AnonymousUser, group_names: Iterable[str]
) -> frozenset[Role]:
    """The roles of `user` from its group names, kept for this request: `user_roles` calls it,
    and so does an authentication that read the names with the user (core.authentication)."""
    names = frozenset(group_names)
    if getattr(user, "is_superuser", False):
        roles = frozenset(Role)
    else:
        roles = frozenset(role for role in Role if role.value in names)
    setattr(user, _ROLES_ATTRIBUTE, roles)
    return roles


def user_has_role(user: AbstractBaseUser | AnonymousUser, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def user_may_see_original_text(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Records managers (and admins) may see original text; every such view is audited."""
    return user_has_role(user, Role.RECORDS_MANAGER)


def user_may_search_by_identity(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Records managers and compliance auditors may look chats up by a customer's email or
    phone; support staff may not, not even to learn whether someone chatted (R-ROLE-1)."""
    return user_has_role(user, Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR)
