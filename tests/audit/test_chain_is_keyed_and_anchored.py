"""Issue #13 item 3: the audit chain is keyed (HMAC under AUDIT_CHAIN_KEY, a secret that is not
in the database), covers every field including the actor's id, and its head is anchored outside
the database, so that a rewrite or a truncation with a rewound head is caught."""

import hashlib
import json
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder

from audit.chain import audit_event_canonical, legacy_chain_rekey, legacy_event_hash
from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_chain_verify, audit_event_record

pytestmark = pytest.mark.django_db


def _events(count: int, actor=None) -> list[AuditEvent]:
    return [
        audit_event_record(actor=actor, action="test.event", data={"n": n}) for n in range(count)
    ]


def _plain_sha256(event: AuditEvent) -> str:
    """What anyone with database access can compute: the published canonical form, no secret."""
    return hashlib.sha256((event.previous_hash + audit_event_canonical(event)).encode()).hexdigest()


def _rehash_from(sequence: int) -> None:
    """The forger's rewrite: recompute every hash from `sequence` on and move the head."""
    previous = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else "0" * 64
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        event.previous_hash = previous
        event.hash = _plain_sha256(event)
        event.save(update_fields=["previous_hash", "hash"])
        previous = event.hash
    last = AuditEvent.objects.order_by("-sequence")[0]
    AuditChainHead.objects.update(sequence=last.sequence, hash=last.hash)


def _anchor() -> None:
    call_command("run_job", "anchor_audit_chain")


def test_rewritten_event_rehashed_with_plain_sha256_fails_verification():
    _events(4)
    AuditEvent.objects.filter(sequence=2).update(data={"n": 99})
    _rehash_from(2)
    ok, message = audit_chain_verify()
    assert not ok
    assert message.startswith("audit event #2 ")
    assert AuditEvent.objects.get(sequence=2).data == {"n": 99}  # verification changes nothing


def test_changed_actor_id_fails_verification(make_user):
    author, other = make_user(username="author"), make_user(username="other")
    _events(3, actor=author)
    AuditEvent.objects.filter(sequence=2).update(actor=other)
    ok, message = audit_chain_verify()
    assert not ok
    assert "#2" in message


def test_changed_actor_id_rehashed_with_plain_sha256_fails_verification(make_user):
    author, other = make_user(username="author"), make_user(username="other")
    _events(3, actor=author)
    AuditEvent.objects.filter(sequence=2).update(actor=other, actor_username="other")
    _rehash_from(2)
    assert not audit_chain_verify()[0]


def test_chain_still_verifies_after_the_actor_account_is_deleted(make_user):
    author = make_user(username="author")
    _events(2, actor=author)
    author.delete()
    assert audit_chain_verify() == (True, "audit chain intact: 2 events verified")


def test_events_sealed_under_another_key_fail_verification(settings):
    _events(3)
    settings.AUDIT_CHAIN_KEY = "a-different-key-of-enough-length-0123456789"
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = []
    ok, message = audit_chain_verify()
    assert not ok
    assert "#1" in message
    assert "AUDIT_CHAIN_KEY" in message


def test_rotated_key_starts_a_new_segment_and_both_verify(settings):
    old_key = settings.AUDIT_CHAIN_KEY
    first = _events(2)
    settings.AUDIT_CHAIN_KEY = "the-new-key-after-rotation-0123456789abcdef"
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = [old_key]
    second = _events(2)
    assert first[0].key_id != second[0].key_id
    assert second[0].previous_hash == first[-1].hash  # one chain across the rotation
    assert audit_chain_verify() == (True, "audit chain intact: 4 events verified")
    assert old_key not in json.dumps(list(AuditEvent.objects.values()), cls=DjangoJSONEncoder)


def test_anchor_job_appends_the_head_to_the_anchor_file_and_logs_it(settings, caplog):
    events = _events(3)
    with caplog.at_level(logging.INFO):
        _anchor()
        _anchor()
    lines = Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()
    assert len(lines) == 2
    anchor = json.loads(lines[-1])
    assert (anchor["event_id"], anchor["hash"]) == (events[-1].pk, events[-1].hash)
    assert "at" in anchor
    assert any(r.getMessage().startswith("audit.anchor ") for r in caplog.records)


def test_truncation_with_a_rewound_head_is_caught_with_the_anchor(settings):
    events = _events(5)
    _anchor()
    AuditEvent.objects.filter(sequence__gte=4).delete()
    AuditChainHead.objects.update(sequence=3, hash=events[2].hash)
    assert audit_chain_verify()[0]  # the database alone cannot tell
    with pytest.raises(CommandError, match="#5"):
        call_command("verify_audit_chain", "--anchor", str(settings.AUDIT_ANCHOR_FILE))
    assert AuditEvent.objects.count() == 3  # verification changes nothing


def test_anchored_event_with_a_different_hash_is_caught(settings):
    _events(3)
    _anchor()
    _events(2)
    AuditEvent.objects.filter(sequence=2).update(data={"n": 42})
    _rehash_from(2)
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_audit_chain", "--anchor", str(settings.AUDIT_ANCHOR_FILE))


def test_verify_command_passes_an_intact_anchored_chain(settings, capsys):
    _events(3)
    _anchor()
    _events(2)
    call_command("verify_audit_chain", "--anchor", str(settings.AUDIT_ANCHOR_FILE))
    assert "audit chain intact: 5 events verified" in capsys.readouterr().out


def test_verify_command_exits_non_zero_when_broken():
    _events(3)
    call_command("verify_audit_chain")
    AuditEvent.objects.filter(sequence=1).update(action="forged")
    with pytest.raises(CommandError, match="audit event #1"):
        call_command("verify_audit_chain")


def test_verify_command_with_a_missing_anchor_file_is_an_error(tmp_path):
    _events(1)
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_audit_chain", "--anchor", str(tmp_path / "nope.jsonl"))


def test_scheduled_verification_job_checks_the_configured_anchor_file(settings):
    events = _events(4)
    _anchor()
    AuditEvent.objects.filter(sequence=4).delete()
    AuditChainHead.objects.update(sequence=3, hash=events[2].hash)
    with pytest.raises(CommandError, match="#4"):
        call_command("run_job", "verify_audit_chain")


def _as_legacy_chain() -> None:
    """Turns the events into what the unkeyed scheme wrote before the upgrade."""
    previous = "0" * 64
    for event in AuditEvent.objects.order_by("sequence"):
        event.previous_hash, event.key_id, event.actor_pk = previous, "", None
        event.hash = legacy_event_hash(event)
        event.save(update_fields=["previous_hash", "key_id", "actor_pk", "hash"])
        previous = event.hash
    AuditChainHead.objects.update(hash=previous)


def test_upgrade_re_seals_an_intact_legacy_chain_under_the_configured_key(make_user):
    author = make_user(username="author")
    _events(3, actor=author)
    _as_legacy_chain()
    assert not audit_chain_verify()[0]
    assert legacy_chain_rekey(AuditEvent, AuditChainHead) == 3
    assert audit_chain_verify() == (True, "audit chain intact: 3 events verified")
    assert set(AuditEvent.objects.values_list("actor_pk", flat=True)) == {author.pk}


def test_upgrade_refuses_to_re_seal_an_altered_legacy_chain():
    _events(3)
    _as_legacy_chain()
    AuditEvent.objects.filter(sequence=2).update(data={"n": 7})
    before = list(AuditEvent.objects.values_list("hash", flat=True))
    with pytest.raises(RuntimeError, match="#2"):
        legacy_chain_rekey(AuditEvent, AuditChainHead)
    assert list(AuditEvent.objects.values_list("hash", flat=True)) == before


def test_upgrade_refuses_to_re_seal_a_truncated_legacy_chain():
    _events(3)
    _as_legacy_chain()
    AuditEvent.objects.filter(sequence=3).delete()
    with pytest.raises(RuntimeError, match="truncated"):
        legacy_chain_rekey(AuditEvent, AuditChainHead)
