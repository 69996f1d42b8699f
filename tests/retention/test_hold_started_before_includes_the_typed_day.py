"""A hold "started before 2024-12-31" typed on the page covers chats of 31 December (the end of
that day), and the hold page shows its scope as text, not a Python repr."""

from datetime import date

import pytest
from django.test import Client

from records.models import Record
from retention.forms import LegalHoldForm
from retention.hold_scopes import hold_scope_q
from retention.models import LegalHold

pytestmark = pytest.mark.django_db


def test_started_before_means_before_the_next_day(file_plan):
    form = LegalHoldForm(
        {"matter": "M", "reason": "r", "started_before": "2024-12-31", "countries": "CA"}
    )
    assert form.is_valid(), form.errors
    moment = form.scope()["started_before"]
    assert moment.startswith("2025-01-01T00:00:00")


def test_a_chat_of_the_typed_day_is_covered(declared_chat):
    inside = declared_chat(external_id="dec-31", started_at="2024-12-31T15:00:00+00:00")
    outside = declared_chat(external_id="jan-01", started_at="2025-01-01T15:00:00+00:00")
    form = LegalHoldForm({"matter": "M", "reason": "r", "started_before": "2024-12-31"})
    assert form.is_valid(), form.errors
    covered = set(Record.objects.filter(hold_scope_q(form.scope())).values_list("chat", flat=True))
    assert inside.pk in covered
    assert outside.pk not in covered


def test_hold_page_shows_the_scope_as_text(manager_user, declared_chat):
    declared_chat(external_id="ca-1", country="CA")
    client = Client()
    client.force_login(manager_user)
    form = {
        "matter": "Acme",
        "reason": "litigation",
        "countries": "CA",
        "started_before": date(2024, 12, 31).isoformat(),
        "step": "save",
    }
    assert client.post("/holds/", form).status_code == 302
    hold = LegalHold.objects.get(matter="Acme")
    page = client.get(f"/holds/{hold.pk}/").content.decode()
    assert "countries: CA" in page
    assert "started on or before 2024-12-31" in page
    assert "[&#x27;CA&#x27;]" not in page
    assert "['CA']" not in page
