import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_chain_verify, audit_event_record

pytestmark = pytest.mark.django_db


def _events(count: int) -> list[AuditEvent]:
    return [
        audit_event_record(actor=None, action="test.event", data={"n": n}) for n in range(count)
    ]


def test_events_form_a_chain():
    first, second = _events(2)
    assert second.previous_hash == first.hash
    assert (first.sequence, second.sequence) == (1, 2)
    assert audit_chain_verify() == (True, "audit chain intact: 2 events verified")


def test_altered_event_is_named():
    events = _events(4)
    AuditEvent.objects.filter(pk=events[2].pk).update(data={"n": 99})
    ok, message = audit_chain_verify()
    assert not ok
    assert message.startswith("audit event #3 ")
    assert "altered" in message


def test_removed_event_in_the_middle_is_named():
    events = _events(4)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    ok, message = audit_chain_verify()
    assert not ok
    assert "#2 is missing" in message


def test_removed_last_event_is_detected_by_the_head():
    events = _events(3)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    ok, message = audit_chain_verify()
    assert not ok
    assert "#3 onwards was removed" in message


def test_verify_job_exits_non_zero_when_broken():
    _events(2)
    call_command("run_job", "verify_audit_chain")  # intact: no error
    AuditEvent.objects.filter(sequence=1).update(action="forged")
    with pytest.raises(CommandError, match="audit event #1"):
        call_command("run_job", "verify_audit_chain")


def test_actor_name_survives_user_deletion(admin_user):
    audit_event_record(actor=admin_user, action="test.event")
    admin_user.delete()
    assert AuditEvent.objects.get().actor_username == "admin"
    assert audit_chain_verify()[0]
    assert AuditChainHead.objects.get().sequence == 1
