"""On /kb/ pages only the most specific navigation item is current, never Search as well."""

import pytest

from core.navigation import best_match


def test_best_match_is_the_longest_prefix():
    urls = ["/kb/", "/chats/", "/kb/trends/", "/kb/articles/"]
    assert best_match("/kb/trends/", urls) == "/kb/trends/"
    assert best_match("/kb/articles/3/", urls) == "/kb/articles/"
    assert best_match("/kb/", urls) == "/kb/"
    assert best_match("/records/", urls) is None


@pytest.mark.django_db
def test_a_kb_page_underlines_one_item(client, support_user):
    client.force_login(support_user)
    response = client.get("/kb/trends/")
    current = [item["label"] for item in response.context["nav_items"] if item["active"]]
    assert current == ["Trends"]
