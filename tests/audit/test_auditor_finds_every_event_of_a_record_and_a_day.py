"""Issue #18: an auditor finds every event of one record and one day in one search, on the page
and through the API; an event about several targets ("13,193") is found by each of its ids."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_event_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events() -> dict[str, AuditEvent]:
    made = {
        "alone": audit_event_record(
            actor=None, action="hold.placed", target_type="records.record", target_id="13"
        ),
        "listed": audit_event_record(
            actor=None,
            action="disposal.proposed",
            target_type="records.record",
            target_id="7,13,193",
        ),
        "first_of_list": audit_event_record(
            actor=None,
            action="disposal.skipped_held",
            target_type="records.record",
            target_id="13,193",
        ),
        "other": audit_event_record(
            actor=None, action="hold.placed", target_type="records.record", target_id="131"
        ),
        "viewed": audit_event_record(
            actor=None, action="chat.original_viewed", target_type="chats.chat", target_id="5"
        ),
        "old": audit_event_record(
            actor=None, action="hold.released", target_type="records.record", target_id="13"
        ),
    }
    AuditEvent.objects.filter(pk=made["old"].pk).update(
        occurred_at=timezone.now() - timedelta(days=3)
    )
    return made


def _actions(response) -> set[str]:
    return {row["action"] + "#" + row["target_id"] for row in response.json()["results"]}


def test_a_record_in_a_list_of_targets_is_found_and_a_longer_id_is_not(auditor_api, events):
    found = _actions(auditor_api.get("/api/v1/audit-events/", {"target_id": "13"}))
    assert found == {
        "hold.placed#13",
        "disposal.proposed#7,13,193",
        "disposal.skipped_held#13,193",
        "hold.released#13",
    }


def test_one_record_and_one_day_in_one_search(auditor_api, events):
    today = timezone.localdate().isoformat()
    found = _actions(auditor_api.get("/api/v1/audit-events/", {"target_id": "13", "day": today}))
    assert "hold.released#13" not in found
    assert len(found) == 3


def test_a_word_of_the_action_finds_it_and_a_prefix_still_works(auditor_api, events):
    assert _actions(auditor_api.get("/api/v1/audit-events/", {"action": "original"})) == {
        "chat.original_viewed#5"
    }
    assert {
        a.split("#")[0]
        for a in _actions(auditor_api.get("/api/v1/audit-events/", {"action": "hold"}))
    } == {
        "hold.placed",
        "hold.released",
    }


def test_a_bad_day_is_a_400_naming_the_field(auditor_api):
    response = auditor_api.get("/api/v1/audit-events/", {"day": "yesterday"})
    assert response.status_code == 400
    assert "day" in str(response.json())


def test_the_page_links_targets_and_reads_its_data(client, auditor_user, events):
    client.force_login(auditor_user)
    page = client.get(
        "/audit/",
        {"target_id": "13", "day_from": timezone.localdate().isoformat()},
    ).content.decode()
    assert 'href="/records/13/"' in page
    assert "Record" in page
    assert "retention.disposalbatch" not in page
    assert "{'" not in page  # no raw Python dict
