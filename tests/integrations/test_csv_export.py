import csv
import io

import pytest

from audit.models import AuditEvent
from core.roles import Role
from integrations.csv_export import csv_cell
from tests.factories import make_chat


def _rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR])
def test_managers_and_auditors_export_the_chat_list_filtered_by_identity(role, make_user, client):
    ca = make_chat(country="CA", region="")
    make_chat(country="CA", region="")
    client.force_login(make_user(role))
    response = client.get(
        "/chats/export.csv", {"country": "CA", "customer_email": ca.customer.email}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = _rows(response)
    assert header[:3] == ["id", "source", "external_id"]
    assert [row[0] for row in rows] == [str(ca.pk)]
    assert "charged" not in str(rows)  # metadata only, never text
    event = AuditEvent.objects.get(action="chats.exported")
    assert event.data == {"format": "csv", "filters": ["country", "customer_email"]}
    assert ca.customer.email not in str(event.data)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_exports_the_filtered_chat_list(role, make_user, client):
    ca = make_chat(country="CA", region="")
    make_chat(country="US", region="")
    client.force_login(make_user(role))
    response = client.get("/chats/export.csv", {"country": "CA"})
    assert response.status_code == 200
    _header, *rows = _rows(response)
    assert [row[0] for row in rows] == [str(ca.pk)]
    assert "charged" not in str(rows)


@pytest.mark.django_db
def test_support_staff_may_not_export_chats_filtered_by_identity(support_user, client):
    chat = make_chat()
    client.force_login(support_user)
    response = client.get("/chats/export.csv", {"customer_email": chat.customer.email})
    assert response.status_code == 400
    assert chat.customer.email not in response.content.decode()
    assert not AuditEvent.objects.filter(action="chats.exported").exists()


@pytest.mark.django_db
def test_user_without_role_is_refused(make_user, client):
    client.force_login(make_user())
    assert client.get("/chats/export.csv").status_code == 403


@pytest.mark.django_db
def test_export_streams_in_chunks_with_constant_queries(
    support_user, client, django_assert_max_num_queries, monkeypatch
):
    from chats.hooks import chat_extras_collect
    from integrations import views

    monkeypatch.setattr(views, "CSV_CHUNK_SIZE", 2)
    for _ in range(5):
        make_chat()
    client.force_login(support_user)
    response = client.get("/chats/export.csv")
    # session/user/groups/audit (a handful), then per chunk of 2: the chunk and the providers
    with django_assert_max_num_queries(3 * (1 + len(chat_extras_collect.receivers)) + 1):
        rows = _rows(response)
    assert len(rows) == 6


def test_formula_like_cells_are_neutralised():
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("-3.5") == "-3.5"
    assert csv_cell(["a", "b"]) == "a; b"
    assert csv_cell(None) == ""


@pytest.mark.django_db
def test_records_and_trends_pages_show_their_odata_feed_url(client, manager_user):
    client.force_login(manager_user)
    assert b"http://testserver/odata/Records" in client.get("/records/").content
    assert b"http://testserver/odata/Trends" in client.get("/kb/trends/").content
