"""Legal holds and disposal (SPEC §2.3–2.4); the retention schedules are part of the file plan
(records.models.RetentionSchedule).

Invariants:
- A record is disposed only through a DisposalItem of an approved batch, and only when at the
  moment of destruction it is due, unheld, of known country and has a schedule.
- LegalHoldRecord rows say which records a hold covers; the hold is active while `released_at`
  is null. A record is held while any active hold covers it (or any other hold source that
  `retention.selectors.records_held_q` knows, e.g. open data-subject requests).
- Tombstones and certificates are append-only evidence; they hold no personal values.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from simple_history.models import HistoricalRecords

from records.models import DispositionAction


class LegalHold(models.Model):
    matter = models.CharField(max_length=255)
    reference = models.CharField(max_length=128, blank=True)
    reason = models.TextField()
    # Keys of retention.rules.HOLD_SCOPE_KEYS; at least one.
    scope = models.JSONField(default=dict)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True, db_index=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    release_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_at", "-pk"]

    def __str__(self) -> str:
        return f"hold {self.pk}: {self.matter}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class LegalHoldRecord(models.Model):
    """A record covered by a hold. Rows are kept after release (the hold says it was released)."""

    hold = models.ForeignKey(LegalHold, on_delete=models.CASCADE, related_name="coverage")
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="hold_coverage"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hold", "record"], name="hold_record_once")]
        indexes = [models.Index(fields=["record", "hold"])]

    def __str__(self) -> str:
        return f"hold {self.hold_id} covers record {self.record_id}"


class BatchState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    EXECUTING = "executing", "Executing"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"


OPEN_BATCH_STATES = (BatchState.PROPOSED, BatchState.APPROVED, BatchState.EXECUTING)


class DisposalBatch(models.Model):
    record_class = models.ForeignKey(
        "records.RecordClass", on_delete=models.PROTECT, related_name="disposal_batches"
    )
    jurisdiction = models.CharField(max_length=6)
    action = models.CharField(max_length=10, choices=DispositionAction.choices)
    state = models.CharField(
        max_length=10, choices=BatchState.choices, default=BatchState.PROPOSED, db_index=True
    )
    proposed_at = models.DateTimeField()
    # Null when the build_disposal_batches job proposed it (no human proposer).
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # DISPOSAL_REQUIRED_APPROVALS when proposed: a later settings change never loosens a batch.
    required_approvals = models.PositiveSmallIntegerField(default=1)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    execution_started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Why the last execution stopped (a transfer package that could not be written or did not
    # validate); cleared when it goes on. Nothing was destroyed while it is set.
    execution_error = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name_plural = "disposal batches"

    def __str__(self) -> str:
        return f"batch {self.pk} {self.record_class_id}/{self.jurisdiction} ({self.state})"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXCLUDED = "excluded", "Excluded by a reviewer"
    WITHDRAWN = "withdrawn", "Withdrawn (retention recomputed)"
    DESTROYED = "destroyed", "Destroyed"
    ANONYMIZED = "anonymized", "Anonymized"
    SKIPPED_HELD = "skipped_held", "Skipped: held at execution"
    SKIPPED_NOT_DUE = "skipped_not_due", "Skipped: not due or not disposable at execution"


class DisposalItem(models.Model):
    # batch and status are indexed together (Meta.indexes), batch with record (the unique
    # constraint): single-column indexes would only slow every item's status update.
    batch = models.ForeignKey(
        DisposalBatch, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.PROTECT, related_name="disposal_items"
    )
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    reason = models.TextField(blank=True)
    review_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # The item's row of its batch's summary (DisposalBatchSummary): its record's class, its
    # chat's country and the year its chat started (TIME_ZONE). Set when the item is written and
    # moved by retention.services.disposal.summary when a correction changes them.
    group_class = models.ForeignKey(
        "records.RecordClass", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    group_country = models.CharField(max_length=2, blank=True)
    group_year = models.IntegerField()

    class Meta:
        ordering = ["batch_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "record"], name="disposal_item_once")
        ]
        # (batch, status): execution claims the pending items; (batch, id): the batch page
        # lists items in order, 100 at a time.
        indexes = [models.Index(fields=["batch", "status"]), models.Index(fields=["batch", "id"])]

    def __str__(self) -> str:
        return f"item {self.record_id} of batch {self.batch_id} ({self.status})"


class DisposalBatchSummary(models.Model):
    """A batch's items counted by class, country, chat year (the item's `group_*`) and status,
    so the review page never groups a batch of 400,000 items (issue #19). Exact: written with the
    items, and every change of an item's status or group goes through
    retention.services.disposal.summary in the same transaction. Rows may count zero."""

    batch = models.ForeignKey(DisposalBatch, on_delete=models.CASCADE, related_name="summary_rows")
    record_class = models.ForeignKey(
        "records.RecordClass", on_delete=models.PROTECT, related_name="+"
    )
    country = models.CharField(max_length=2, blank=True)
    year = models.IntegerField()
    status = models.CharField(max_length=16, choices=ItemStatus.choices)
    items = models.IntegerField(default=0)

    class Meta:
        ordering = ["batch_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "record_class", "country", "year", "status"],
                name="disposal_summary_row_once",
            )
        ]

    def __str__(self) -> str:
        return f"batch {self.batch_id}: {self.items} {self.status}"


class DispositionPolicy(models.Model):
    """A record class's staged disposition review (issue #16): its stages, in order, each with
    its reviewers. A class without a policy keeps the single approval step of R-DISP-2. A
    batch copies the stages when it is proposed (DisposalBatchStage): editing a policy applies
    to batches proposed afterwards, never to a review under way."""

    record_class = models.OneToOneField(
        "records.RecordClass", on_delete=models.CASCADE, related_name="disposition_policy"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "disposition policies"

    def __str__(self) -> str:
        return f"disposition policy of {self.record_class}"


class DispositionStage(models.Model):
    """One review stage of a policy: a reviewer group and/or named reviewers (at least one)."""

    policy = models.ForeignKey(DispositionPolicy, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    reviewer_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["policy_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="policy_stage_position")
        ]

    def __str__(self) -> str:
        return f"stage {self.position} ({self.name}) of policy {self.policy_id}"


class DisposalBatchStage(models.Model):
    """A batch's copy of one policy stage, with its decision. `opened_at`: when it became the
    stage under review (reminders count from it); `reminded_at`: the last reminder sent."""

    batch = models.ForeignKey(DisposalBatch, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    reviewer_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="batch_stage_position")
        ]

    def __str__(self) -> str:
        return f"stage {self.position} ({self.name}) of batch {self.batch_id}"


class DisposalApproval(models.Model):
    # One approval per person per batch: with stages, this is also four-eyes across stages.
    batch = models.ForeignKey(DisposalBatch, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    # The stage approved, for a batch of a class with a disposition policy.
    stage = models.ForeignKey(
        DisposalBatchStage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approvals",
    )

    class Meta:
        ordering = ["approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "approver"], name="disposal_approval_once")
        ]

    def __str__(self) -> str:
        return f"approval of batch {self.batch_id} by {self.approver_id}"


class Tombstone(models.Model):
    """What remains of a disposed record: identifiers, dates and a digest, no personal values."""

    record_id_value = models.BigIntegerField(unique=True)
    chat_id_value = models.BigIntegerField()
    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255)
    record_class = models.CharField(max_length=64)
    jurisdiction = models.CharField(max_length=6)
    action = models.CharField(max_length=10, choices=DispositionAction.choices)
    chat_started_at = models.DateTimeField()
    chat_ended_at = models.DateTimeField(null=True)
    trigger_at = models.DateTimeField(null=True)
    disposition_due = models.DateTimeField(null=True)
    # The real time of destruction; `as_of`: the moment the job was evaluated at, when it
    # differs (run_job --now), else null.
    disposed_at = models.DateTimeField()
    as_of = models.DateTimeField(null=True, blank=True)
    # Null when destroyed outside a disposal batch (e.g. a data-subject erasure); see `reason`.
    batch = models.ForeignKey(
        DisposalBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="tombstones"
    )
    reason = models.CharField(max_length=255, blank=True)
    approvers = models.JSONField(default=list)
    # SHA-256 over the destroyed content (messages, survey comment), computed before destruction.
    content_sha256 = models.CharField(max_length=64)
    # The chat's import digest (chats.Chat.content_sha256), so an old export can be matched.
    import_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["source", "external_id"])]

    def __str__(self) -> str:
        return f"tombstone of record {self.record_id_value}"


class DisposalCertificate(models.Model):
    """One per executed batch; `hash` covers `payload` and the previous certificate's hash."""

    batch = models.OneToOneField(
        DisposalBatch, on_delete=models.PROTECT, related_name="certificate"
    )
    sequence = models.PositiveIntegerField(unique=True)
    # The real time of issue; `as_of` as on Tombstone (also in the payload when set).
    issued_at = models.DateTimeField()
    as_of = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"certificate {self.sequence} (batch {self.batch_id})"


class TransferPackage(models.Model):
    """The validated BagIt package of a `transfer` batch (SPEC §4.2), written before any of its
    records is destroyed; only the records in `record_ids` may be destroyed by the batch."""

    batch = models.OneToOneField(
        DisposalBatch, on_delete=models.PROTECT, related_name="transfer_package"
    )
    path = models.CharField(max_length=1024)
    payload_oxum = models.CharField(max_length=64)
    tagmanifest_sha256 = models.CharField(max_length=64)
    record_ids = models.JSONField(default=list)
    written_at = models.DateTimeField()
    validated_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"transfer package of batch {self.batch_id}"


class HoldCustodian(models.Model):
    """Someone who must preserve what a hold covers (issue #16 item 7): notified by e-mail when
    the hold is placed and when it is released; `acknowledged_at` is when they confirmed, by
    the unguessable link of their notice (custodians need no account)."""

    hold = models.ForeignKey(LegalHold, on_delete=models.CASCADE, related_name="custodians")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    release_notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["hold_id", "email"]
        constraints = [
            models.UniqueConstraint(fields=["hold", "email"], name="hold_custodian_once")
        ]

    def __str__(self) -> str:
        return f"custodian of hold {self.hold_id}"
