"""When the trend data ends before the current week, the trends page opens on the data's last
week instead of an empty current week; ?as_of still wins."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from knowledgebase.models import TrendRollup
from knowledgebase.selectors.trends import week_of

pytestmark = pytest.mark.django_db


def _rollup(week_start):
    TrendRollup.objects.create(
        week_start=week_start,
        dimension="category",
        value="billing",
        chat_count=5,
        computed_at=timezone.now(),
    )


def test_default_week_is_the_last_week_with_data(client: Client, support_user) -> None:
    last = week_of(timezone.now()) - timedelta(weeks=3)
    _rollup(last)
    client.force_login(support_user)
    response = client.get("/kb/trends/")
    assert response.context["week"] == last
    assert response.context["data_ends_before_now"]
    assert "showing its last week" in response.content.decode()
    chosen = client.get("/kb/trends/", {"as_of": "2020-01-08"})
    assert chosen.context["week"] == week_of(chosen.context["as_of"])
    assert not chosen.context["data_ends_before_now"]


def test_current_data_opens_on_the_current_week(client: Client, support_user) -> None:
    _rollup(week_of(timezone.now()))
    client.force_login(support_user)
    response = client.get("/kb/trends/")
    assert response.context["week"] == week_of(timezone.now())
    assert not response.context["data_ends_before_now"]
