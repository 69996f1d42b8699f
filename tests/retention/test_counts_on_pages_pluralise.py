"""Counts on pages agree with their nouns: "1 record", "1 chat", never "1 records"/"1 chats"."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_one_record_and_one_chat_are_singular(manager_user, declared_chat):
    declared_chat(external_id="only-one")
    client = Client()
    client.force_login(manager_user)
    records = client.get("/records/").content.decode()
    assert '<p class="muted">1 record</p>' in records
    assert "1 records" not in records
    chats = client.get("/chats/").content.decode()
    assert "1 chat ·" in chats
    assert "1 chats" not in chats
