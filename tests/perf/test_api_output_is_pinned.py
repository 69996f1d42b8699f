"""The JSON of every endpoint bench/load.py drives (issue #19), for every role that reads it,
is exactly the JSON recorded in tests/perf/api_output/<vendor>.json: same keys, same order,
same values, same status. Ids and the moments of the run (redacted_at, an audit event's time
and hash…) are replaced by stable labels first, so the comparison holds on every database.

Recording (only when the output is meant to change, and review the diff):
    PIN_API_OUTPUT_WRITE=1 pytest tests/perf/test_api_output_is_pinned.py
"""

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import audit_event_record
from chats.models import Chat, Customer
from core.jobs import job_run
from core.roles import Role
from knowledgebase.models import Article
from records.file_plan import file_plan_seed
from records.models import Record, RetentionSchedule
from retention.models import DisposalBatch, LegalHold
from retention.services.holds import legal_hold_place
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)
FAR_FUTURE = datetime(2060, 1, 1, tzinfo=UTC)
GOLDEN_DIR = Path(__file__).parent / "api_output"
WRITE = os.environ.get("PIN_API_OUTPUT_WRITE") == "1"
ISO_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
HEX_DIGEST = re.compile(r"^[0-9a-f]{16,128}$")

ROLES = {
    "support": [Role.SUPPORT_STAFF],
    "manager": [Role.RECORDS_MANAGER],
    "auditor": [Role.COMPLIANCE_AUDITOR],
    # bench/load.py's user: both governance roles through their groups
    "governance": [Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR],
}


def _customer(number: int) -> dict[str, str]:
    return {
        "external_id": f"c-{number}",
        "name": "Ana Silva",
        "email": f"ana{number}@example.ca",
        "phone": "+1 416 555 0199",
    }


def _data() -> User:
    file_plan_seed()
    manager = User.objects.create_user("pin-manager")
    manager.groups.add(Group.objects.get(name=Role.RECORDS_MANAGER))
    started = datetime(2025, 3, 1, 14, 2, 11, tzinfo=UTC)
    # Every value given: tests/factories numbers its defaults by a process-wide counter.
    make_chat(external_id="pin-full", started_at=started, customer=_customer(1))
    make_chat(
        external_id="pin-no-customer",
        customer=None,
        tags=["vip", "ana@example.ca"],
        started_at=started + timedelta(days=1),
        survey=None,
    )
    make_chat(
        external_id="pin-survey",
        started_at=started + timedelta(days=2),
        survey={"rating": 2, "resolved": False, "comment": "slow refund", "answers": {"q": "a"}},
        country="GB",
        region="GB-ENG",
        customer=_customer(2),
    )
    make_chat(
        external_id="pin-open",
        ended_at=None,
        started_at=started + timedelta(days=3),
        customer=_customer(3),
    )
    for name in ("declare_records", "redact_pii", "extract_keywords"):
        job_run(name=name, now=NOW)
    held = Record.objects.get(chat__external_id="pin-survey")
    legal_hold_place(
        matter="pin matter", reason="pinned", scope={"record_ids": [held.pk]}, issued_by=manager
    )
    job_run(name="build_disposal_batches", now=FAR_FUTURE)
    audit_event_record(actor=manager, action="test.with_actor", data={"n": 1})
    return manager


def _labels() -> dict[str, dict[int, str]]:
    """model -> {pk: a label that does not depend on the database's sequences}."""
    first_event = AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    # The chain's own numbering, counted from this test's first event like the ids: on
    # PostgreSQL the id sequence is not rolled back between tests, so ids and chain numbers
    # differ once another test has written events.
    first_sequence = (
        AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True).first() or 0
    )
    return {
        "chat": {pk: f"chat:{ext}" for pk, ext in Chat.objects.values_list("pk", "external_id")},
        "record": {
            pk: f"record:{ext}" for pk, ext in Record.objects.values_list("pk", "chat__external_id")
        },
        "customer": {
            pk: f"customer:{ext}" for pk, ext in Customer.objects.values_list("pk", "external_id")
        },
        "hold": {
            pk: f"hold:{matter}" for pk, matter in LegalHold.objects.values_list("pk", "matter")
        },
        "batch": {
            pk: f"batch:{code}:{jurisdiction}:{action}"
            for pk, code, jurisdiction, action in DisposalBatch.objects.values_list(
                "pk", "record_class__code", "jurisdiction", "action"
            )
        },
        "schedule": {
            pk: f"schedule:{code}:{jurisdiction}"
            for pk, code, jurisdiction in RetentionSchedule.objects.values_list(
                "pk", "record_class__code", "jurisdiction"
            )
        },
        "article": {
            pk: f"article:{question}"
            for pk, question in Article.objects.values_list("pk", "question")
        },
        "event": {
            pk: f"event:{pk - first_event}"
            for pk in AuditEvent.objects.values_list("pk", flat=True)
        },
        "sequence": {
            sequence: f"event:{sequence - first_sequence}"
            for sequence in AuditEvent.objects.values_list("sequence", flat=True)
        },
    }


# Which model an integer names, by its key path in the answer (list indexes left out).
ID_PATHS = {
    "chat list": {"results.id": "chat", "results.record": "record"},
    "chat detail": {
        "id": "chat",
        "record": "record",
        "customer.id": "customer",
        "extra.chat": "chat",
    },
    "record list": {"results.id": "record", "results.chat": "chat", "results.holds": "hold"},
    "record detail": {
        "id": "record",
        "chat": "chat",
        "holds": "hold",
        "explanation.holds": "hold",
        "explanation.holds.id": "hold",
        "explanation.schedule.id": "schedule",
    },
    "kb search": {"results.id": "chat"},
    "audit events": {"results.id": "event", "results.sequence": "sequence"},
    "disposal batches": {"results.id": "batch"},
    "odata chats": {"value.id": "chat", "value.record": "record"},
    "odata records": {"value.id": "record", "value.chat": "chat"},
}


def _normalise(
    value: Any, path: str, ids: dict[str, str], labels: dict[str, dict[int, str]], started: datetime
) -> Any:
    if isinstance(value, dict):
        return {
            key: _normalise(item, f"{path}.{key}" if path else key, ids, labels, started)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise(item, path, ids, labels, started) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and path in ids:
        return labels[ids[path]].get(value, f"unknown {ids[path]} {value}")
    if isinstance(value, str):
        if ISO_MOMENT.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment >= started - timedelta(minutes=1):
                return "<moment of the run>"
        if path.endswith("hash") and HEX_DIGEST.match(value):
            return "<digest>"
        if path.endswith("target_id") and value.isdigit():
            return "<target id>"
    return value


def _plan() -> list[tuple[str, str, list[str]]]:
    """(endpoint, path, roles that read it) in the order of bench/load.py."""
    chat = Chat.objects.get(external_id="pin-full").pk
    bare = Chat.objects.get(external_id="pin-no-customer").pk
    surveyed = Chat.objects.get(external_id="pin-survey").pk
    held = Record.objects.get(chat_id=surveyed).pk
    plain = Record.objects.get(chat_id=chat).pk
    everyone = list(ROLES)
    governance = ["manager", "auditor", "governance"]
    return [
        ("chat list", "/api/v1/chats/", everyone),
        ("chat list", "/api/v1/chats/?page=2&page_size=2", everyone),
        ("chat detail", f"/api/v1/chats/{chat}/", everyone),
        ("chat detail", f"/api/v1/chats/{bare}/", everyone),
        ("chat detail", f"/api/v1/chats/{surveyed}/", everyone),
        ("chat detail", f"/api/v1/chats/{chat}/?include_original=1", everyone),
        ("record list", "/api/v1/records/", everyone),
        ("record detail", f"/api/v1/records/{plain}/", everyone),
        ("record detail", f"/api/v1/records/{held}/", everyone),
        ("kb search", "/api/v1/kb/search/?q=refund", everyone),
        ("audit events", "/api/v1/audit-events/?page_size=3", everyone),
        ("disposal batches", "/api/v1/disposal-batches/", everyone),
        ("odata chats", "/odata/Chats", everyone),
        ("odata chats", "/odata/Chats?$skip=1&$top=2", governance),
        ("odata records", "/odata/Records", everyone),
        ("odata records", "/odata/Records?$skip=1", governance),
    ]


def _client(name: str, roles: list[Role]) -> APIClient:
    from rest_framework.authtoken.models import Token

    user = User.objects.create_user(f"pin-reader-{name}")
    user.groups.add(*Group.objects.filter(name__in=roles))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _answers() -> dict[str, Any]:
    started = datetime.now(tz=UTC)
    _data()
    answers: dict[str, Any] = {}
    built = {name: _client(name, roles) for name, roles in ROLES.items()}
    for endpoint, path, roles in _plan():
        for role in roles:
            response = built[role].get(path)
            body = response.json()
            labels = _labels()  # after the request: an original-text view adds an event
            answers[f"{endpoint} {path_label(path)} as {role}"] = {
                "status": response.status_code,
                "json": _normalise(body, "", ID_PATHS[endpoint], labels, started),
            }
    return answers


def path_label(path: str) -> str:
    """The path with its ids replaced by the external id they stand for (stable)."""

    def chat_label(match: re.Match[str]) -> str:
        pk = int(match.group(2))
        model = Chat if match.group(1) == "chats" else Record
        if model is Chat:
            return f"/{match.group(1)}/{Chat.objects.get(pk=pk).external_id}/"
        return f"/{match.group(1)}/{Record.objects.get(pk=pk).chat.external_id}/"

    return re.sub(r"/(chats|records)/(\d+)/", chat_label, path)


def test_bench_endpoints_answer_every_role_exactly_as_recorded() -> None:
    answers = _answers()
    golden = GOLDEN_DIR / f"{connection.vendor}.json"
    if WRITE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        golden.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no recorded output at {golden}: record it (module docstring)"
    recorded = json.loads(golden.read_text())
    assert list(answers) == list(recorded)
    for name, answer in answers.items():
        assert answer["status"] == recorded[name]["status"], name
        # json.dumps keeps key order: the same text means the same keys in the same order.
        assert json.dumps(answer["json"], indent=1) == json.dumps(
            recorded[name]["json"], indent=1
        ), name


def test_support_staff_answers_carry_no_identity_nor_original_text() -> None:
    answers = _answers()
    support = {name: a for name, a in answers.items() if name.endswith(" as support")}
    assert support
    text = json.dumps(support)
    for personal in ("Ana Silva", "@example.ca", "416 555", '"c-'):
        assert personal not in text, personal
    refused = [name for name, a in support.items() if a["status"] == 403]
    assert {name.split(" /")[0] for name in refused} == {
        "record list",
        "record detail",
        "audit events",
        "disposal batches",
        "odata records",
    }
