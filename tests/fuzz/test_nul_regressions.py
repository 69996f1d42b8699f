"""Inputs PostgreSQL cannot take used to answer HTTP 500 or stop an import batch; found by the
fuzz runs (issue #8): NUL characters (text and jsonb cannot hold them) and a search page number
that overflows OFFSET. They are now refused with a reason."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from chats.models import Chat
from tests.conftest import PASSWORD
from tests.factories import chat_dict


def test_import_rejects_a_line_with_nul_and_imports_the_rest(db: None, tmp_path: Path) -> None:
    bad = chat_dict()
    bad["messages"][0]["text"] = "before\x00after"
    literal = chat_dict()  # a backslash followed by u0000 is ordinary text
    literal["messages"][0]["text"] = "see \\u0000 in the log"
    good = chat_dict()
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(chat) for chat in (bad, literal, good)) + "\n")
    err = StringIO()
    with pytest.raises(SystemExit):  # exit status 1: a line was rejected
        call_command("import_chats", str(path), stdout=StringIO(), stderr=err)
    assert "NUL" in err.getvalue()
    assert set(Chat.objects.values_list("external_id", flat=True)) == {
        literal["external_id"],
        good["external_id"],
    }
    rejected = (tmp_path / "chats.jsonl.rejected.jsonl").read_text().splitlines()
    assert [json.loads(line)["external_id"] for line in rejected] == [bad["external_id"]]


def test_api_ingest_refuses_nul(admin_api: APIClient) -> None:
    payload = chat_dict()
    payload["customer"]["name"] = "Ana\x00Silva"
    response = admin_api.post("/api/v1/chats/", payload, format="json")
    assert response.status_code == 400
    assert Chat.objects.count() == 0


@pytest.mark.parametrize("parameter", ["q", "keyword", "category", "country", "record_class"])
def test_kb_search_refuses_nul(support_api: APIClient, parameter: str) -> None:
    response = support_api.get("/api/v1/kb/search/", {parameter: "card\x00x"})
    assert response.status_code == 400


def test_kb_search_refuses_a_page_beyond_the_last_allowed(support_api: APIClient) -> None:
    assert support_api.get("/api/v1/kb/search/", {"page": 3271674779410432000}).status_code == 400
    assert support_api.get("/api/v1/kb/search/", {"page": 2}).status_code == 200


def test_kb_search_page_shows_an_error_instead_of_failing(support_user: User) -> None:
    client = Client()
    assert client.login(username=support_user.username, password=PASSWORD)
    response = client.get("/kb/", {"page": "99999999999999999999"})
    assert response.status_code == 200
    assert b'class="error"' in response.content
    # A NUL in any query parameter is refused before the page runs (issue #13: one check for
    # every view instead of one per form), with a reason.
    for params in ({"q": "card\x00"}, {"keyword": "x\x00"}):
        response = client.get("/kb/", params)
        assert response.status_code == 400
        assert b"NUL" in response.content
