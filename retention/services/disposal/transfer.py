"""The package of a `transfer` disposition (SPEC §4.2: "package as export_records, then destroy
once the package validates").

Invariants:
- Before any record of a transfer batch is destroyed, the batch has a TransferPackage: a BagIt
  bag written by retention.packaging.bag.records_bag_write (purpose "transfer") into
  TRANSFER_PACKAGE_DIR/batch-<id>/, validated with the bagit library, carrying every record the
  batch may dispose of at that moment (due, disposable, unheld). Execution destroys only records
  the package carries (retention.services.disposal.execution).
- A package that cannot be written or does not validate is an error: nothing is destroyed, the
  batch keeps `executing` with `execution_error` set (audited) and a later run retries.
- Idempotent: a valid package of the batch (recorded, or written by a run that died before it
  was recorded) is reused, never rewritten; an invalid one nothing was destroyed from is
  rewritten; one that no longer validates after records were destroyed stops the batch.
"""

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import bagit
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.clock import clock_destruction_moment
from core.db import any_of
from core.exceptions import ApplicationError
from records.models import Record
from retention.models import DisposalBatch, ItemStatus, TransferPackage
from retention.packaging.bag import records_bag_write
from retention.selectors import records_destruction_facts
from retention.services.disposal.eligibility import records_disposal_refusals

TRANSFER_PURPOSE = "transfer"


def transfer_package_path(batch_id: int) -> Path:
    return Path(settings.TRANSFER_PACKAGE_DIR) / f"batch-{batch_id}"


def _bag_checked(path: Path) -> tuple[str, str] | None:
    """(Payload-Oxum, sha256 of tagmanifest-sha256.txt) of a valid bag at `path`, else None."""
    if not (path / "bagit.txt").is_file():
        return None
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except (bagit.BagError, bagit.BagValidationError, OSError):
        return None
    tagmanifest = path / "tagmanifest-sha256.txt"
    oxum = bag.info.get("Payload-Oxum")
    if not tagmanifest.is_file() or not isinstance(oxum, str):
        return None
    return oxum, hashlib.sha256(tagmanifest.read_bytes()).hexdigest()


def _bag_record_ids(path: Path) -> list[int]:
    ids = []
    with (path / "data" / "records.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                ids.append(int(json.loads(line)["identifier"]["record"]))
    return sorted(ids)


def _records_to_package(batch: DisposalBatch, *, now: datetime) -> list[int]:
    """The pending records the batch may dispose of now, holds excluded (a held record is
    neither packaged nor destroyed)."""
    pending = list(
        batch.items.filter(status=ItemStatus.PENDING)
        .order_by("record_id")
        .values_list("record_id", flat=True)
    )
    candidates, _ = records_disposal_refusals(
        pending, batch_action=batch.action, due_at=clock_destruction_moment(now), lock=False
    )
    facts = records_destruction_facts(candidates, legal_holds=False, exclusions=False, blocks=False)
    return sorted(pk for pk in candidates if pk in facts and not facts[pk].is_held)


def _package_record(
    batch: DisposalBatch, path: Path, record_ids: list[int], checked: tuple[str, str]
) -> TransferPackage:
    stamp = timezone.now()
    package = TransferPackage.objects.create(
        batch=batch,
        path=str(path),
        payload_oxum=checked[0],
        tagmanifest_sha256=checked[1],
        record_ids=record_ids,
        written_at=stamp,
        validated_at=stamp,
    )
    audit_event_record(
        actor=None,
        action="disposal.transfer_packaged",
        target=batch,
        data={
            "path": str(path),
            "records": len(record_ids),
            "payload_oxum": checked[0],
            "tagmanifest_sha256": checked[1],
        },
    )
    return package


def transfer_package_ensure(batch: DisposalBatch, *, now: datetime) -> TransferPackage:
    """The batch's validated package, written now when it has none (see the module's
    invariants). ApplicationError when it cannot be written or does not validate."""
    path = transfer_package_path(batch.pk)
    with transaction.atomic():
        # One packager per batch at a time: other workers wait, then reuse its package.
        DisposalBatch.objects.select_for_update().filter(pk=batch.pk).first()
        package = TransferPackage.objects.filter(batch_id=batch.pk).first()
        if package is not None:
            if _bag_checked(Path(package.path)) is not None:
                DisposalBatch.objects.filter(pk=batch.pk).update(execution_error="")
                return package
            if batch.items.filter(status=ItemStatus.DESTROYED).exists():
                raise ApplicationError(
                    f"the transfer package {package.path} of batch {batch.pk} no longer "
                    "validates and some of its records are already destroyed: restore it",
                    extra={"batch": batch.pk, "path": package.path},
                )
            package.delete()
        wanted = _records_to_package(batch, now=now)
        if path.exists():
            checked = _bag_checked(path)
            if checked is not None and set(_bag_record_ids(path)) >= set(wanted):
                # Written and valid, but not recorded (a run that died): reused as it is.
                DisposalBatch.objects.filter(pk=batch.pk).update(execution_error="")
                return _package_record(batch, path, _bag_record_ids(path), checked)
            shutil.rmtree(path)  # our own unrecorded, invalid or partial package
        try:
            records_bag_write(
                out=path,
                records=Record.objects.filter(any_of("pk", wanted)),
                filters={"batch": batch.pk, "action": TRANSFER_PURPOSE},
                purpose=TRANSFER_PURPOSE,
            )
        except OSError as error:
            raise ApplicationError(
                f"the transfer package of batch {batch.pk} could not be written to {path}: {error}",
                extra={"batch": batch.pk, "path": str(path)},
            ) from error
        checked = _bag_checked(path)
        if checked is None:
            raise ApplicationError(
                f"the transfer package {path} of batch {batch.pk} does not validate",
                extra={"batch": batch.pk, "path": str(path)},
            )
        package = _package_record(batch, path, wanted, checked)
        DisposalBatch.objects.filter(pk=batch.pk).update(execution_error="")
        return package


def transfer_failure_record(batch: DisposalBatch, *, error: str, now: datetime) -> None:
    """The batch says why it stopped (page, API, audit); nothing of it was destroyed."""
    with transaction.atomic():
        DisposalBatch.objects.filter(pk=batch.pk).update(execution_error=error)
        audit_event_record(
            actor=None,
            action="disposal.transfer_failed",
            target=batch,
            data={"error": error[:1000]},
            as_of=now,
        )


def transfer_certificate_part(batch: DisposalBatch) -> dict[str, object] | None:
    """What a transfer certificate says of its package (path, Payload-Oxum, tagmanifest)."""
    package = TransferPackage.objects.filter(batch_id=batch.pk).first()
    if package is None:
        return None
    return {
        "package": package.path,
        "payload_oxum": package.payload_oxum,
        "tagmanifest_sha256": package.tagmanifest_sha256,
        "records": len(package.record_ids),
        "validated_at": package.validated_at,
    }
