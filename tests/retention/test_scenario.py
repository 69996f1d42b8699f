"""The acceptance scenario of issue #3, driven only through the public contract: management
commands (seed_file_plan, import_chats, run_job) and the REST API.

Every chat carries unique marker words in its messages, survey comment and customer identity;
afterwards the whole database is searched for them.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from tests.factories import chat_dict

pytestmark = pytest.mark.django_db(transaction=False)

NOW = "2026-11-23T00:00:00+00:00"
NOW_DT = datetime.fromisoformat(NOW)
RETENTION_YEARS = {"CA": 6, "US": 5}


def _chat(number: int, *, country: str, ended: datetime, kind: str = "normal") -> dict[str, Any]:
    started = ended - timedelta(minutes=18)
    token = f"zqmark{number:04d}x"
    customer_text = f"My order {token}c is late, my email is cust{token}@example.com"
    messages: list[dict[str, Any]] = [
        {"sender": "customer", "sent_at": started.isoformat(), "text": customer_text},
        {
            "sender": "agent",
            "agent_external_id": "a-7",
            "sent_at": (started + timedelta(minutes=1)).isoformat(),
            "text": f"Checking {token}a now",
        },
    ]
    if kind == "bot":
        messages = [
            {"sender": "bot", "sent_at": started.isoformat(), "text": f"Hello {token}b"},
            {"sender": "customer", "sent_at": started.isoformat(), "text": customer_text},
        ]
    data = chat_dict(
        external_id=f"sc-{number:04d}",
        started_at=started,
        country=country,
        region="",
        messages=messages,
        customer={
            "external_id": f"cust-{number}",
            "name": f"Name{token}",
            "email": f"cust{token}@example.com",
            "phone": "",
        },
        survey={"rating": 3, "resolved": True, "comment": f"survey {token}s", "answers": {}},
    )
    data["ended_at"] = ended.isoformat()
    return data


def _years_before(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year - years)


def _build_chats() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Returns (chats, expected) where expected maps external_id → 'due' | 'keep'."""
    chats: list[dict[str, Any]] = []
    expected: dict[str, str] = {}
    number = 0

    def add(country: str, ended: datetime, outcome: str, kind: str = "normal") -> None:
        nonlocal number
        number += 1
        chat = _chat(number, country=country, ended=ended, kind=kind)
        chats.append(chat)
        expected[chat["external_id"]] = outcome

    # Spread over 2014–2026, monthly, in CA, US and unknown country.
    for year in range(2014, 2027):
        for month in (1, 4, 7, 10):
            ended = datetime(year, month, 15, 12, tzinfo=UTC)
            if ended > NOW_DT:
                continue
            for country in ("CA", "US"):
                due = _years_before(NOW_DT, RETENTION_YEARS[country]) >= ended
                add(country, ended, "due" if due else "keep")
            add("", ended, "keep")  # unknown country: never disposed
            bot_due = _years_before(NOW_DT, 3) >= ended
            add("CA", ended + timedelta(hours=1), "due" if bot_due else "keep", kind="bot")
    # A few days either side of the due date.
    for days in (-3, -1, 1, 3):
        for country in ("CA", "US"):
            ended = _years_before(NOW_DT, RETENTION_YEARS[country]) + timedelta(days=days)
            add(country, ended, "due" if days < 0 else "keep")
        add(
            "US",
            _years_before(NOW_DT, 3) + timedelta(days=days),
            "due" if days < 0 else "keep",
            kind="bot",
        )
        add("", _years_before(NOW_DT, 7) + timedelta(days=days), "keep")
    return chats, expected


def _database_text() -> str:
    """Every text-ish value of every table, concatenated (small test database)."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            columns = [
                str(f.column)
                for f in model._meta.concrete_fields
                if f.get_internal_type() in {"CharField", "TextField", "JSONField", "EmailField"}
            ]
            if not columns:
                continue
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.extend(str(value) for value in row if value is not None)
    return "\n".join(parts)


def _token(external_id: str) -> str:
    return f"zqmark{int(external_id.split('-')[1]):04d}x"


def _snapshot() -> dict[str, int]:
    from chats.models import Customer, Message
    from records.models import Record
    from retention.models import DisposalCertificate, Tombstone

    return {
        "messages": Message.objects.count(),
        "customers": Customer.objects.count(),
        "disposed": Record.objects.filter(status="disposed").count(),
        "tombstones": Tombstone.objects.count(),
        "certificates": DisposalCertificate.objects.count(),
    }


def test_acceptance_scenario(tmp_path: Path, make_user, api_client_for, settings) -> None:
    from core.roles import Role

    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    call_command("seed_file_plan")
    call_command("seed_file_plan")  # idempotent
    chats, expected = _build_chats()
    assert len(chats) > 150
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(chat) for chat in chats) + "\n")
    call_command("import_chats", str(path))

    manager = api_client_for(make_user(Role.RECORDS_MANAGER))
    auditor = api_client_for(make_user(Role.COMPLIANCE_AUDITOR))
    support = api_client_for(make_user(Role.SUPPORT_STAFF))

    call_command("run_job", "declare_records", "--now", NOW)
    records = []
    url: str | None = "/api/v1/records/?page_size=500"
    while url:
        body = manager.get(url).json()
        records.extend(body["results"])
        url = body["next"]
    by_external = {r["chat_external_id"]: r for r in records}
    assert len(by_external) == len(chats)
    assert all(r["status"] == "flagged" for r in records if r["country"] == "")
    assert all(r["disposition_due"] is None for r in records if r["country"] == "")

    # Hold 1, before the batches are built: by customer email of a due chat.
    due_ids = sorted(e for e, outcome in expected.items() if outcome == "due")
    held_before = due_ids[0]
    response = manager.post(
        "/api/v1/legal-holds/",
        {
            "matter": "Acme v. Us",
            "reference": "LH-1",
            "reason": "litigation",
            "scope": {"customer_emails": [f"cust{_token(held_before)}@example.com"]},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["record_count"] == 1
    expected[held_before] = "keep"

    # An auditor may not place holds: 403 and nothing changes.
    before = manager.get("/api/v1/legal-holds/").json()["count"]
    response = auditor.post(
        "/api/v1/legal-holds/",
        {"matter": "x", "reason": "y", "scope": {"countries": ["CA"]}},
        format="json",
    )
    assert response.status_code == 403
    assert manager.get("/api/v1/legal-holds/").json()["count"] == before
    assert support.get("/api/v1/records/").status_code == 403

    call_command("run_job", "build_disposal_batches", "--now", NOW)
    batches = manager.get("/api/v1/disposal-batches/").json()["results"]
    assert batches
    proposed_external = set()
    for batch in batches:
        assert batch["state"] == "proposed"
        detail = manager.get(f"/api/v1/disposal-batches/{batch['id']}/").json()
        proposed_external |= {item["chat_external_id"] for item in detail["items"]}
        assert auditor.post(f"/api/v1/disposal-batches/{batch['id']}/approve/").status_code == 403
        response = manager.post(f"/api/v1/disposal-batches/{batch['id']}/approve/")
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == "approved"
    assert proposed_external == {e for e, outcome in expected.items() if outcome == "due"}

    # Hold 2, after approval: by record id of an approved item.
    held_after = due_ids[1]
    response = manager.post(
        "/api/v1/legal-holds/",
        {
            "matter": "Audit",
            "reason": "regulator asked",
            "scope": {"record_ids": [by_external[held_after]["id"]]},
        },
        format="json",
    )
    assert response.status_code == 201
    expected[held_after] = "keep"

    call_command("run_job", "execute_disposals", "--now", NOW)
    first = _snapshot()
    text_after_first = _database_text()
    call_command("run_job", "execute_disposals", "--now", NOW)
    assert _snapshot() == first
    assert _database_text() == text_after_first

    for external_id, outcome in expected.items():
        token = _token(external_id)
        if outcome == "due":
            assert token not in text_after_first, external_id
        else:
            assert text_after_first.count(token) >= 5, external_id  # messages, survey, identity

    detail = manager.get(f"/api/v1/records/{by_external[held_after]['id']}/").json()
    assert detail["status"] == "active"
    assert detail["explanation"]["held"] is True
    certificates = auditor.get("/api/v1/disposal-certificates/").json()
    assert certificates["count"] == len(batches)
    html = auditor.get(
        f"/api/v1/disposal-certificates/{certificates['results'][0]['id']}/", {"format": "html"}
    )
    assert html.status_code == 200
    assert b"Certificate of disposal" in html.content
    call_command("run_job", "verify_audit_chain", "--now", NOW)
