"""Imports must not silently mix or invent (issue #13, item 7): a moment outside 1990 … now + 1 day
is rejected with its line and field; a chat repeated inside one file is rejected at its line
(the first copy is imported); a customer id reused with another email and a message naming an
agent the chat does not list are reported per line as warnings, and the first identity is never
overwritten."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from chats.models import Chat, Customer, Message
from tests.factories import chat_dict


def _run(tmp_path: Path, chats: list[dict[str, Any]], *, fails: bool) -> tuple[str, str]:
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(chat) + "\n" for chat in chats))
    out, err = StringIO(), StringIO()
    if fails:
        with pytest.raises(SystemExit):
            call_command("import_chats", str(path), "--workers", "1", stdout=out, stderr=err)
    else:
        call_command("import_chats", str(path), "--workers", "1", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _future(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


IMPLAUSIBLE = [
    ("ended_at", {"ended_at": "9998-01-01T00:00:00Z"}),
    ("started_at", {"started_at": "0001-01-01T00:00:00+00:00"}),
    ("started_at", {"started_at": "1989-12-31T23:59:59+00:00"}),
    ("started_at", {"started_at": _future(3), "ended_at": None}),
    ("ended_at", {"ended_at": _future(2)}),
    ("messages[1].sent_at", {"messages[1].sent_at": "9998-06-01T10:00:00Z"}),
    ("messages[0].sent_at", {"messages[0].sent_at": "1970-01-01T00:00:00Z"}),
    ("ended_at", {"ended_at": "2025-03-01T14:00:00Z"}),  # before started_at
]


def _with(changes: dict[str, str | None]) -> dict[str, Any]:
    chat = chat_dict()
    for key, value in changes.items():
        if key.startswith("messages["):
            index = int(key[len("messages[")])
            chat["messages"][index]["sent_at"] = value
        else:
            chat[key] = value
    return chat


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "changes"), IMPLAUSIBLE, ids=[f for f, _ in IMPLAUSIBLE])
def test_import_rejects_implausible_moments_with_line_and_field(
    tmp_path: Path, field: str, changes: dict[str, str | None]
) -> None:
    good = chat_dict()
    _, err = _run(tmp_path, [good, _with(changes)], fails=True)
    assert f":2: rejected: {field}:" in err
    assert list(Chat.objects.values_list("external_id", flat=True)) == [good["external_id"]]


@pytest.mark.django_db
def test_import_accepts_moments_up_to_a_day_ahead(tmp_path: Path) -> None:
    soon = datetime.now(UTC) + timedelta(hours=2)
    chat = chat_dict(started_at=soon)
    _run(tmp_path, [chat], fails=False)
    assert Chat.objects.count() == 1


@pytest.mark.django_db
def test_api_ingest_rejects_an_implausible_moment(admin_api: APIClient) -> None:
    response = admin_api.post(
        "/api/v1/chats/", _with({"ended_at": "9998-01-01T00:00:00Z"}), format="json"
    )
    assert response.status_code == 400
    assert "ended_at" in json.dumps(response.json())
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_a_chat_repeated_in_one_file_is_rejected_at_its_line(tmp_path: Path) -> None:
    first = chat_dict()
    other = chat_dict()
    repeat = chat_dict(external_id=first["external_id"])
    repeat["messages"][0]["text"] = "a different conversation under the same id"
    out, err = _run(tmp_path, [first, other, repeat], fails=True)
    assert ":3: rejected: external_id: duplicate of line 1" in err
    assert "imported 2, updated 0, already present 0, corrections 0, rejected 1" in out
    chat = Chat.objects.get(external_id=first["external_id"])
    assert "a different conversation" not in " ".join(chat.messages.values_list("text", flat=True))
    rejected = (tmp_path / "chats.jsonl.rejected.jsonl").read_text().splitlines()
    assert [json.loads(line)["messages"][0]["text"] for line in rejected] == [
        "a different conversation under the same id"
    ]


@pytest.mark.django_db
def test_a_chat_repeated_across_batches_is_rejected_too(tmp_path: Path) -> None:
    first = chat_dict()
    chats = [first, *(chat_dict() for _ in range(4)), chat_dict(external_id=first["external_id"])]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(chat) + "\n" for chat in chats))
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("import_chats", str(path), "--batch-size", "2", stdout=StringIO(), stderr=err)
    assert ":6: rejected: external_id: duplicate of line 1" in err.getvalue()
    assert Chat.objects.count() == 5


@pytest.mark.django_db
def test_reimporting_a_file_reports_already_present_not_duplicates(tmp_path: Path) -> None:
    chats = [chat_dict(), chat_dict()]
    _run(tmp_path, chats, fails=False)
    out, err = _run(tmp_path, chats, fails=False)
    assert "imported 0, updated 0, already present 2, corrections 0, rejected 0" in out
    assert "duplicate" not in err


@pytest.mark.django_db
def test_a_customer_id_reused_with_another_email_is_a_warning_and_keeps_the_first(
    tmp_path: Path,
) -> None:
    first = chat_dict()
    first["customer"] = {"external_id": "c-shared", "name": "Ana", "email": "ana@example.ca"}
    second = chat_dict()
    second["customer"] = {"external_id": "c-shared", "name": "Bo", "email": "bo@example.ca"}
    same = chat_dict()
    same["customer"] = {"external_id": "c-shared", "name": "Ana", "email": "ANA@example.ca"}
    out, err = _run(tmp_path, [first, second, same], fails=False)
    assert ":2: warning: customer.email:" in err
    assert ":3: warning" not in err  # the same address, other case: no conflict
    assert "bo@example.ca" not in err  # the warning names the rule, not the values
    assert "warnings 1" in out
    customer = Customer.objects.get(external_id="c-shared")
    assert customer.email == "ana@example.ca"  # never silently overwritten
    assert Chat.objects.count() == 3


@pytest.mark.django_db
def test_a_customer_id_already_stored_with_another_email_is_a_warning(tmp_path: Path) -> None:
    first = chat_dict()
    first["customer"] = {"external_id": "c-kept", "email": "kept@example.ca"}
    _run(tmp_path, [first], fails=False)
    later = chat_dict()
    later["customer"] = {"external_id": "c-kept", "email": "other@example.ca"}
    _, err = _run(tmp_path, [later], fails=False)
    assert ":1: warning: customer.email:" in err
    assert Customer.objects.get(external_id="c-kept").email == "kept@example.ca"


@pytest.mark.django_db
def test_an_unknown_agent_external_id_is_a_warning_with_its_line(tmp_path: Path) -> None:
    good = chat_dict()
    odd = chat_dict()
    odd["messages"][1]["agent_external_id"] = "a-ghost"
    out, err = _run(tmp_path, [good, odd], fails=False)
    assert ":2: warning: messages[1].agent_external_id:" in err
    assert ":1: warning" not in err
    assert "warnings 1" in out
    assert Message.objects.filter(chat__external_id=odd["external_id"]).count() == 3
