import secrets
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token

from core.roles import Role
from core.services import role_permissions_sync

DEMO_USERS = (
    ("support", Role.SUPPORT_STAFF, False),
    ("manager", Role.RECORDS_MANAGER, False),
    ("manager2", Role.RECORDS_MANAGER, False),  # a second approver for four-eyes disposal
    ("auditor", Role.COMPLIANCE_AUDITOR, False),
    ("admin", None, True),
)


class Command(BaseCommand):
    help = "Creates one demo user per role (and an admin), sets fresh passwords and prints them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="use this password for every demo user")

    def handle(self, *args: Any, **options: Any) -> None:
        role_permissions_sync()
        self.stdout.write("Demo users (username / password / API token):")
        for username, role, is_admin in DEMO_USERS:
            password = options["password"] or secrets.token_urlsafe(9)
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = is_admin
            user.email = f"{username}@chatrecords.local"
            user.set_password(password)
            user.save()
            if role is not None:
                user.groups.set([Group.objects.get(name=role.value)])
            token, _ = Token.objects.get_or_create(user=user)
            label = role.value if role else "admin (superuser)"
            self.stdout.write(f"  {username:9} {password:14} {token.key}  [{label}]")
