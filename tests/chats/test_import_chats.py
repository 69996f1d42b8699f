import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from chats.models import Chat, Customer, Message, Survey
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db

BAD_LINES = {
    "not json": b"{this is not json\n",
    "not an object": b'["a", "list"]\n',
    "missing external_id": None,
    "bad timestamp": None,
    "messages not a list": None,
    "unknown sender": None,
    "rating out of range": None,
}


def _bad_lines() -> dict[str, bytes]:
    missing_id = chat_dict()
    del missing_id["external_id"]
    bad_time = chat_dict()
    bad_time["started_at"] = "yesterday afternoon"
    not_list = chat_dict(messages={"sender": "customer"})
    unknown_sender = chat_dict()
    unknown_sender["messages"][1]["sender"] = "robot"
    rating = chat_dict()
    rating["survey"]["rating"] = 7
    lines = dict(BAD_LINES)
    for key, data in (
        ("missing external_id", missing_id),
        ("bad timestamp", bad_time),
        ("messages not a list", not_list),
        ("unknown sender", unknown_sender),
        ("rating out of range", rating),
    ):
        lines[key] = (json.dumps(data) + "\n").encode()
    return {key: line for key, line in lines.items() if line is not None}


def _run_import(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_chats", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def mixed_file(tmp_path: Path) -> tuple[Path, dict[int, bytes]]:
    bad = list(_bad_lines().values())
    lines: list[bytes] = []
    bad_numbers: dict[int, bytes] = {}
    for index in range(60):
        lines.append((json.dumps(chat_dict(external_id=f"good-{index}")) + "\n").encode())
        if index % 9 == 4 and bad:
            line = bad.pop(0)
            lines.append(line)
            bad_numbers[len(lines)] = line
    path = tmp_path / "chats.jsonl"
    path.write_bytes(b"".join(lines))
    return path, bad_numbers


def test_mixed_file_imports_good_chats_and_keeps_every_bad_line(mixed_file):
    path, bad_numbers = mixed_file
    code, out, err = _run_import(str(path))

    assert code == 1
    assert Chat.objects.count() == 60
    for number in bad_numbers:
        assert f"chats.jsonl:{number}: rejected" in err
    rejected = (path.parent / "chats.jsonl.rejected.jsonl").read_bytes()
    assert rejected == b"".join(bad_numbers.values())
    assert "imported 60, updated 0, already present 0, corrections 0, rejected 7" in out


def test_rejection_reasons_name_the_problem(mixed_file):
    path, _ = mixed_file
    _, _, err = _run_import(str(path))
    for reason in (
        "not valid JSON",
        "not a JSON object but list",
        "external_id: is required",
        "started_at: 'yesterday afternoon' is not an ISO 8601 timestamp",
        "messages: must be a list, not dict",
        "messages[1].sender: 'robot' is not a sender role",
        "survey.rating: 7 is out of range (1 to 5)",
    ):
        assert reason in err


def test_reimport_adds_nothing(mixed_file):
    path, _ = mixed_file
    _run_import(str(path))
    counts = (
        Chat.objects.count(),
        Message.objects.count(),
        Customer.objects.count(),
        Survey.objects.count(),
    )

    code, out, _ = _run_import(str(path))

    assert code == 1  # the bad lines are still bad
    assert "imported 0, updated 0, already present 60, corrections 0, rejected 7" in out
    assert counts == (
        Chat.objects.count(),
        Message.objects.count(),
        Customer.objects.count(),
        Survey.objects.count(),
    )


def test_clean_file_exits_zero_and_leaves_no_rejected_file(tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text("\n".join(json.dumps(chat_dict()) for _ in range(3)) + "\n\n")
    code, out, _ = _run_import(str(path))
    assert code == 0
    assert not (tmp_path / "ok.jsonl.rejected.jsonl").exists()
    assert "imported 3" in out


def test_stdin_is_read_with_dash(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    data = (json.dumps(chat_dict(external_id="from-stdin")) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, _out, _ = _run_import("-")
    assert code == 0
    assert Chat.objects.filter(external_id="from-stdin").exists()


def test_import_is_batched_not_a_save_per_row(tmp_path, django_assert_max_num_queries):
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(chat_dict()) for _ in range(40)) + "\n")
    # 40 chats × 3 messages: a save per row would need well over 160 queries.
    with django_assert_max_num_queries(40):
        _run_import(str(path), "--batch-size", "20")
    assert Message.objects.count() == 120


def test_same_chat_twice_in_one_file_is_imported_once_and_the_repeat_rejected(tmp_path):
    # issue #13: a repeat inside one file is rejected at its line (it used to count as
    # "already present", hiding two different chats under one id).
    line = json.dumps(chat_dict(external_id="dup")) + "\n"
    path = tmp_path / "dup.jsonl"
    path.write_text(line + line)
    code, out, err = _run_import(str(path))
    assert code == 1
    assert "imported 1, updated 0, already present 0, corrections 0, rejected 1" in out
    assert ":2: rejected: external_id: duplicate of line 1" in err
    assert Chat.objects.filter(external_id="dup").count() == 1


def test_missing_file_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot open"):
        call_command("import_chats", str(tmp_path / "nope.jsonl"))


def test_customer_identity_and_survey_are_stored(tmp_path):
    data = chat_dict(external_id="lc-1")
    data["survey"] = {"rating": 5, "resolved": True, "comment": "great", "answers": {"Q": "yes"}}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(data) + "\n")
    _run_import(str(path))
    chat = Chat.objects.select_related("customer", "survey").get(external_id="lc-1")
    assert chat.customer.email == data["customer"]["email"]
    assert (chat.survey.rating, chat.survey.resolved, chat.survey.answers) == (
        5,
        True,
        {"Q": "yes"},
    )
    assert list(chat.agents.values_list("external_id", flat=True)) == ["a-7"]
    assert chat.messages.get(position=1).agent.external_id == "a-7"
