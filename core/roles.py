"""The roles of SPEC §1. Each role is a Django group; superusers hold every role."""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    SUPPORT_STAFF = "support_staff"
    RECORDS_MANAGER = "records_manager"
    COMPLIANCE_AUDITOR = "compliance_auditor"


# Who reads the governance side (records, retention, QA, privacy, audit): SPEC §1.
GOVERNANCE_ROLES = (Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR)
# The user's group names, when its authentication read them with the user (core.authentication).
GROUP_NAMES_ATTRIBUTE = "_chatrecords_group_names"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, "_chatrecords_roles", None)
    if cached is not None:
        return cached
    names: frozenset[str] | None = getattr(user, GROUP_NAMES_ATTRIBUTE, None)
    if getattr(user, "is_superuser", False):
        roles = frozenset(Role)
    else:
        if names is None:
            # PermissionsMixin's relation: every user model of this project has it.
            groups = getattr(user, "groups")  # noqa: B009
            names = frozenset(groups.values_list("name", flat=True))
        roles = frozenset(role for role in Role if role.value in names)
    setattr(user, "_chatrecords_roles", roles)  # noqa: B010 - a per-request cache
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
