from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.roles import Role

# Every project app but core itself, which has no models a role needs.
PROJECT_APPS = tuple(app for app in settings.PROJECT_APPS if app != "core")

# Django model permissions per role; they govern the admin and mirror SPEC §1. Pages and the API
# check the role itself (core.permissions), so a permission added here never widens the API.
ROLE_PERMISSIONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.SUPPORT_STAFF: {
        "chats": ("view",),
        "knowledgebase": ("view", "add", "change"),
    },
    Role.RECORDS_MANAGER: {
        "chats": ("view",),
        "records": ("view", "add", "change"),
        "retention": ("view", "add", "change"),
        "qa": ("view", "add", "change"),
        "privacy": ("view", "add", "change"),
        "knowledgebase": ("view",),
        "audit": ("view",),
    },
    Role.COMPLIANCE_AUDITOR: {app: ("view",) for app in PROJECT_APPS},
}


@transaction.atomic
def role_permissions_sync() -> None:
    """Makes each role's group hold exactly the permissions of ROLE_PERMISSIONS."""
    for role, per_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [
            permission
            for permission in Permission.objects.filter(
                content_type__app_label__in=list(per_app)
            ).select_related("content_type")
            if permission.codename.split("_", 1)[0] in per_app[permission.content_type.app_label]
        ]
        group.permissions.set(wanted)
