"""Import with a pool of worker processes (PostgreSQL): same result, same order of rejects."""

import json

import pytest

from chats.interchange import InterchangeError
from chats.models import Agent, Chat, Customer, Message
from chats.services.import_stream import chats_import_lines
from tests.factories import chat_dict


@pytest.mark.django_db(transaction=True)
def test_parallel_import_matches_serial_semantics():
    lines = []
    for index in range(40):
        # every chat shares the same agents and every 4 chats share a customer: the workers race
        customer = {"external_id": f"shared-{index // 4}", "name": "Ana Silva"}
        lines.append(json.dumps(chat_dict(external_id=f"par-{index}", customer=customer)).encode())
        if index % 10 == 3:
            lines.append(b"{broken json")
    lines.append(lines[0])  # a repeat of the first chat, in a later batch
    rejected: list[tuple[int, InterchangeError]] = []

    summary = chats_import_lines(
        lines=lines,
        on_reject=lambda number, raw, error: rejected.append((number, error)),
        batch_size=5,
        workers=2,
    )

    # The repeat (line 45) is rejected as a duplicate of line 1 (issue #13), whichever worker
    # gets it; it used to count as already present.
    assert (summary.imported, summary.already_present, summary.rejected) == (40, 0, 5)
    assert [number for number, _ in rejected] == [5, 16, 27, 38, 45]
    assert all("not valid JSON" in error.reason for _, error in rejected[:4])
    assert rejected[4][1].reason.startswith("duplicate of line 1")
    assert Chat.objects.count() == 40
    assert Message.objects.count() == 120
    assert Customer.objects.count() == 10
    assert Agent.objects.count() == 1
    assert summary.messages == 120
