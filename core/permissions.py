"""DRF permission classes named after the rule they enforce (SPEC §1). The default is DenyAll."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from core.roles import Role, user_has_role


class DenyAll(BasePermission):
    """The project default: a view that names no rule is closed to everyone."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class _RolePermission(BasePermission):
    roles: tuple[Role, ...] = ()
    read_only = False

    def has_permission(self, request: Request, view: Any) -> bool:
        if self.read_only and request.method not in SAFE_METHODS:
            return False
        return user_has_role(request.user, *self.roles)


class IsSupportStaff(_RolePermission):
    roles = (Role.SUPPORT_STAFF,)


class IsRecordsManager(_RolePermission):
    roles = (Role.RECORDS_MANAGER,)


class IsReadOnlyAuditor(_RolePermission):
    """Compliance auditors read everything and change nothing, also through the API."""

    roles = (Role.COMPLIANCE_AUDITOR,)
    read_only = True


class IsReadOnlySupportStaff(_RolePermission):
    roles = (Role.SUPPORT_STAFF,)
    read_only = True


class IsAnyRoleReadOnly(_RolePermission):
    roles = tuple(Role)
    read_only = True


class CanIngestChats(BasePermission):
    """Admins and ingest service accounts (permission chats.ingest_chat) may POST chats."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.has_perm("chats.ingest_chat"))


# The governance pair of SPEC §1 used by every records, retention, QA, privacy and audit endpoint.
GOVERNANCE_READ = [IsRecordsManager | IsReadOnlyAuditor]
GOVERNANCE_WRITE = [IsRecordsManager]


class GovernanceReadWriteMixin:
    """GET for records managers and auditors; anything else for records managers only."""

    request: Any  # a DRF Request; Any so that the mixin matches both View and APIView

    def get_permissions(self) -> list[Any]:
        classes = GOVERNANCE_READ if self.request.method in SAFE_METHODS else GOVERNANCE_WRITE
        return [permission() for permission in classes]
