"""The file plan and its records (SPEC §2.2).

A Record is declared once per closed chat (R-REC-2). Its retention fields (schedule, trigger,
disposition_due, pii_purge_due, status) are computed by `records.recompute` from the
retention schedules of its class (`RetentionSchedule`, part of the file plan); a record whose
country is unknown or for which no schedule applies has status `flagged` and no disposition date,
so nothing ever disposes of it (fail closed, R-RET-2).
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RecordClass(models.Model):
    """A file-plan class such as CS-CHAT. is_record=False: transitory (not a record)."""

    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    citation = models.TextField(blank=True)
    is_record = models.BooleanField(default=True)
    # A vital record (issue #16 item 8): needed to continue operations after a disaster; shown
    # on records, in export bags and on the file plan.
    vital = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "record classes"

    def __str__(self) -> str:
        return self.code


class AgentParticipation(models.TextChoices):
    ANY = "any", "Any"
    REQUIRED = "required", "An agent wrote at least one message"
    ABSENT = "absent", "No agent wrote any message"


class DeclarationRule(models.Model):
    """One line of "what makes a chat a record" (R-REC-1). Rules are tried in `position` order;
    the first whose every condition holds decides the chat's record class."""

    position = models.PositiveIntegerField()
    name = models.CharField(max_length=128, unique=True)
    description = models.TextField(blank=True)
    record_class = models.ForeignKey(RecordClass, on_delete=models.PROTECT, related_name="rules")
    min_customer_messages = models.PositiveIntegerField(null=True, blank=True)
    max_customer_messages = models.PositiveIntegerField(null=True, blank=True)
    agent_participation = models.CharField(
        max_length=8, choices=AgentParticipation.choices, default=AgentParticipation.ANY
    )
    sources = models.JSONField(default=list, blank=True)  # empty: any source
    countries = models.JSONField(default=list, blank=True)  # empty: any country
    # Any of these words in the transcript or the survey comment (case-insensitive), or any of
    # these tags on the chat; both empty: no keyword condition.
    keywords = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} → {self.record_class.code}"


ANY_JURISDICTION = "*"
TRIGGER_CHAT_ENDED = "chat_ended"


class DispositionAction(models.TextChoices):
    """SPEC §4.2."""

    DESTROY = "destroy", "Destroy"
    ANONYMIZE = "anonymize", "Anonymize (keep redacted text as knowledge)"
    TRANSFER = "transfer", "Transfer (package as export_records, then destroy once it validates)"
    REVIEW = "review", "Review (a records manager decides at the due date)"
    RETAIN = "retain", "Retain permanently (never proposed for disposal)"


class Cutoff(models.TextChoices):
    """SPEC §4.2: where the retention period starts counting (records.rules.cutoff_moment)."""

    NONE = "none", "None (the trigger date itself)"
    CALENDAR_YEAR = "calendar_year", "Calendar year (the 1 January after the trigger)"
    FISCAL_YEAR = "fiscal_year", "Fiscal year (the first FISCAL_YEAR_START after the trigger)"


class RetentionSchedule(models.Model):
    """How long the records of one class are kept in one jurisdiction, and what happens then.
    The tables keep their retention_* names (the model moved from retention to records)."""

    record_class = models.ForeignKey(
        RecordClass, on_delete=models.PROTECT, related_name="schedules"
    )
    # "*", an ISO 3166-1 country ("CA") or an ISO 3166-2 region ("CA-QC").
    jurisdiction = models.CharField(max_length=6, default=ANY_JURISDICTION)
    retention_years = models.PositiveIntegerField(default=0)
    retention_months = models.PositiveIntegerField(default=0)
    retention_days = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=64, default=TRIGGER_CHAT_ENDED)
    # The retention period counts from the cutoff; the PII period from the trigger itself.
    cutoff = models.CharField(max_length=16, choices=Cutoff.choices, default=Cutoff.NONE)
    # Days after the trigger when original text is purged; null: never purged early.
    pii_period_days = models.PositiveIntegerField(null=True, blank=True)
    action = models.CharField(
        max_length=10, choices=DispositionAction.choices, default=DispositionAction.DESTROY
    )
    citation = models.TextField(blank=True)
    effective_from = models.DateTimeField(null=True, blank=True)
    effective_to = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(table_name="retention_historicalretentionschedule")

    class Meta:
        db_table = "retention_retentionschedule"
        ordering = ["record_class__code", "jurisdiction", "pk"]

    def __str__(self) -> str:
        return f"{self.record_class} {self.jurisdiction} {self.period_label}"

    @property
    def period_label(self) -> str:
        parts = []
        for value, unit in (
            (self.retention_years, "y"),
            (self.retention_months, "m"),
            (self.retention_days, "d"),
        ):
            if value:
                parts.append(f"{value}{unit}")
        return " ".join(parts) or "0d"


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "Active (retained)"
    FLAGGED = "flagged", "Flagged (no disposition: unknown country or no schedule)"
    DISPOSED = "disposed", "Disposed (destroyed)"
    ANONYMIZED = "anonymized", "Anonymized"


class Record(models.Model):
    chat = models.OneToOneField("chats.Chat", on_delete=models.PROTECT, related_name="record")
    record_class = models.ForeignKey(RecordClass, on_delete=models.PROTECT, related_name="records")
    declared_at = models.DateTimeField()
    declared_by_rule = models.ForeignKey(
        DeclarationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Retention, computed by records.recompute.records_retention_recompute.
    schedule = models.ForeignKey(
        RetentionSchedule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    jurisdiction = models.CharField(max_length=6, blank=True)
    trigger = models.CharField(max_length=64, blank=True)
    trigger_at = models.DateTimeField(null=True, blank=True)
    disposition_due = models.DateTimeField(null=True, blank=True, db_index=True)
    pii_purge_due = models.DateTimeField(null=True, blank=True, db_index=True)
    # Indexed by Meta.indexes' (status, disposition_due), which serves status-only lookups too.
    status = models.CharField(
        max_length=10, choices=RecordStatus.choices, default=RecordStatus.FLAGGED
    )
    flag_reason = models.CharField(max_length=255, blank=True)
    # Not proposed for disposal before this moment (an excluded item or a rejected batch).
    review_at = models.DateTimeField(null=True, blank=True)
    # A records manager's review decision (schedule action `review`, SPEC §4.2): kept at least
    # until `retained_until` (a recompute never dates the record earlier), or `review_decision`
    # "destroy" for the current disposition date (cleared when that date moves).
    retained_until = models.DateTimeField(null=True, blank=True)
    review_decision = models.CharField(
        max_length=8, blank=True, choices=[("destroy", "Destroy at the next disposal batch")]
    )
    pii_purged_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the transcript's original layer taken at declaration (chats.digests); checked
    # by verify_transcripts while the originals exist (issue #12).
    transcript_sha256 = models.CharField(max_length=64, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)
    # History is read per record (id) and by date (see chats.Chat.history).
    history = HistoricalRecords(
        no_db_index=[
            "chat",
            "record_class",
            "declared_by_rule",
            "schedule",
            "disposition_due",
            "pii_purge_due",
        ]
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "disposition_due"])]

    def __str__(self) -> str:
        return f"record {self.pk} ({self.record_class_id})"

    @property
    def is_live(self) -> bool:
        from records.rules import record_status_is_live  # the rules import these models

        return record_status_is_live(self.status)


class CustomerEvent(models.Model):
    """A named event about a customer (e.g. `account_closed`) that can trigger retention.

    An event is never edited: a wrong one is withdrawn (with a reason) and, to correct it, a new
    one recorded. Withdrawn events no longer count; at most one event of a name is in force per
    customer."""

    customer = models.ForeignKey("chats.Customer", on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "name"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="customer_event_once_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} of customer {self.customer_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ScheduleChangeState(models.TextChoices):
    PENDING = "pending_approval", "Pending approval by a second records manager"
    APPLIED = "applied", "Approved and applied"
    STALE = "stale", "Refused: the schedule changed after it was proposed"


class RetentionScheduleChange(models.Model):
    """A schedule write that shortens a retention or PII period (SPEC §4.1): kept here, changing
    nothing, until another records manager approves it (records.schedule_changes)."""

    schedule = models.ForeignKey(
        RetentionSchedule, on_delete=models.CASCADE, related_name="pending_changes"
    )
    # The proposed values (JSON: dates as ISO-8601) and the schedule's values they replace; the
    # change is stale when the schedule no longer has `base`.
    proposed = models.JSONField()
    base = models.JSONField()
    shortens = models.JSONField(default=list)  # the fields that shorten (why it waits)
    reason = models.TextField()
    state = models.CharField(
        max_length=16, choices=ScheduleChangeState.choices, default=ScheduleChangeState.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"change {self.pk} of schedule {self.schedule_id} ({self.state})"
