"""The piece every importer and webhook shares (issue #20): the full copy of a pushed chat never
loses a stored message."""

from typing import Any

from integrations.inbound_copies import chat_copies_merged, messages_merged


def _message(external_id: str, text: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"sender": "customer", "sent_at": at, "text": text, "external_id": external_id, **extra}


def test_a_partial_copy_keeps_every_stored_message_and_appends_the_new_one_in_time_order():
    base = [
        _message("1", "hi", "2025-01-01T10:00:00Z"),
        _message("2", "card?", "2025-01-01T10:01:00Z"),
    ]
    newer = [
        _message("9", "later", "2025-01-01T10:09:00Z"),
        _message("5", "mid", "2025-01-01T10:05:00Z"),
    ]
    assert [m["external_id"] for m in messages_merged(base, newer)] == ["1", "2", "5", "9"]


def test_a_later_copy_of_the_same_message_replaces_it_in_place():
    base = [
        _message("1", "hi", "2025-01-01T10:00:00Z"),
        _message("2", "old", "2025-01-01T10:01:00Z"),
    ]
    merged = messages_merged(base, [_message("2", "edited", "2025-01-01T10:01:00Z")])
    assert [m["text"] for m in merged] == ["hi", "edited"]


def test_a_stored_message_without_external_id_matches_by_sender_moment_and_text():
    stored = {"sender": "customer", "sent_at": "2025-01-01T10:00:00+00:00", "text": "hi"}
    merged = messages_merged([stored], [_message("1", "hi", "2025-01-01T10:00:00Z")])
    assert len(merged) == 1
    assert merged[0]["external_id"] == "1"


def test_a_reopened_copy_without_an_end_keeps_the_stored_end_and_fills_only_empty_identity():
    base = {
        "external_id": "10",
        "source": "chatwoot",
        "started_at": "2025-01-01T10:00:00Z",
        "ended_at": "2025-01-01T10:30:00Z",
        "customer": {"external_id": "c1", "name": "Ana", "email": ""},
        "messages": [],
        "tags": ["billing"],
    }
    newer = {
        **base,
        "ended_at": None,
        "customer": {"external_id": "c1", "name": "Someone Else", "email": "ana@example.ca"},
        "tags": ["refund"],
        "started_at": "2025-01-01T10:20:00Z",
    }
    merged = chat_copies_merged(base, newer)
    assert merged["ended_at"] == "2025-01-01T10:30:00Z"
    assert merged["started_at"] == "2025-01-01T10:00:00Z"
    assert merged["customer"] == {"external_id": "c1", "name": "Ana", "email": "ana@example.ca"}
    assert merged["tags"] == ["billing", "refund"]
