from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from chats.models import Chat
from privacy.models import DataSubjectRequest
from privacy.services.requests import subject_request_create
from records.services import records_declare
from tests.factories import make_chat
from tests.retention.conftest import NOW, declared_chat, due_records, file_plan  # noqa: F401

EMAIL = "ana.person@example.com"
PHONE = "+1 416 555 0142"


def person_chat(started_at: str, *, number: int, country: str = "US", **overrides: Any) -> Chat:
    """A chat of the person (customer identity by email and phone), declared as of NOW."""
    data: dict[str, Any] = {
        "started_at": started_at,
        "country": country,
        "region": "",
        "customer": {
            "external_id": f"person-{number}",
            "name": "Ana Person",
            "email": EMAIL if number % 2 else EMAIL.upper(),
            "phone": PHONE if number % 2 else "(416) 555-0142",
        },
    }
    data.update(overrides)
    chat = make_chat(**data)
    records_declare(now=NOW)
    chat.refresh_from_db()
    return chat


@pytest.fixture
def make_request(manager_user: User) -> Callable[..., DataSubjectRequest]:
    def factory(**overrides: Any) -> DataSubjectRequest:
        values: dict[str, Any] = {
            "kind": "access",
            "jurisdiction": "CA",
            "email": EMAIL,
            "created_by": manager_user,
            "now": NOW,
            "received_at": NOW,
        }
        values.update(overrides)
        return subject_request_create(**values)

    return factory
