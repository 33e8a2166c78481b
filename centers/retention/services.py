"""Writes of the retention schedule: legal holds placed and released, the monthly report, the purge. Each
write has its audit row in the same transaction; the purge's rows say what went (type, ids, counts), never
what it said."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.models import Center, Resident, User
from centers.retention.models import LegalHold, RetentionReport
from centers.retention.policies import can_manage_holds
from centers.retention.schedule import DueRecord, batch_size, record_type, record_types
from centers.retention.selectors import due_records, held, hold_rows, month_rows, residents_with_open_record


@transaction.atomic
def hold_place(
    *,
    actor: User,
    center: Center,
    reason: str,
    record_type_code: str = "",
    object_id: int | None = None,
    resident: Resident | None = None,
) -> LegalHold:
    """A supervisor keeps one record (type and id) or every record of one person, whatever its retention."""
    if not can_manage_holds(actor, center.pk):
        raise ValidationError(_("Only a supervisor of this center places a legal hold."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the record must be kept (for example the court or the complaint)."))
    if len(reason) > 300:
        raise ValidationError(_("The reason is at most 300 characters."))
    if (resident is None) == (object_id is None):
        raise ValidationError(_("Hold either one record or one person."))
    if resident is not None:
        if resident.center_id != center.pk:
            raise ValidationError(_("This person is not on this center's records."))
        record_type_code = ""
    else:
        kind = record_type(record_type_code)
        if kind is None:
            raise ValidationError(_("Choose a record type."))
        if kind.center_of(int(object_id or 0)) != center.pk:
            raise ValidationError(_("There is no such record at this center."))
    hold = LegalHold.objects.create(
        center=center,
        record_type=record_type_code,
        object_id=object_id,
        resident=resident,
        reason=reason,
        placed_by=actor,
    )
    audit_record(
        actor=actor,
        action="retention.hold_place",
        obj=hold,
        detail={"record_type": record_type_code or "person", "object_id": object_id or getattr(resident, "pk", None)},
    )
    return hold


@transaction.atomic
def hold_release(*, actor: User, hold: LegalHold) -> LegalHold:
    """The supervisor ends a hold; the record then follows its retention again (the next purge may remove it)."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not can_manage_holds(actor, hold.center_id):
        raise ValidationError(_("Only a supervisor of this center releases a legal hold."))
    if hold.released_at is not None:
        raise ValidationError(_("This hold was already released."))
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.save(update_fields=["released_at", "released_by"])
    audit_record(actor=actor, action="retention.hold_release", obj=hold)
    return hold


@transaction.atomic
def report_write(*, month: dt.date, center_ids: set[int] | None = None) -> list[RetentionReport]:
    """Write (or write again) the month's report of each center: due per record type and the holds."""
    month = month.replace(day=1)
    ids = center_ids if center_ids is not None else set(Center.objects.values_list("pk", flat=True))
    rows, holds = month_rows(month=month, center_ids=ids), hold_rows(center_ids=ids)
    reports = []
    for center_id in sorted(ids):
        report, _created = RetentionReport.objects.update_or_create(
            center_id=center_id,
            month=month,
            defaults={
                "rows": rows.get(center_id, []),
                "holds": holds.get(center_id, []),
                "generated_at": timezone.now(),
            },
        )
        audit_record(
            actor=None,
            action="retention.report",
            obj=report,
            actor_label="system",
            detail={"month": month.isoformat(), "due": sum(row["due_this_month"] for row in report.rows)},
        )
        reports.append(report)
    return reports


@dataclass
class PurgeOutcome:
    """What the purge removed (or, in a dry run, would remove) and what it kept, per record type."""

    dry_run: bool
    removed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    open_case: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def _purgeable(records: list[DueRecord], outcome: PurgeOutcome) -> list[DueRecord]:
    holds = held(records)
    kinds = {kind.code: kind for kind in record_types()}
    following = {r.resident_id for r in records if r.resident_id and kinds[r.record_type].follows_open_case}
    open_people = residents_with_open_record(following)
    keep = []
    for record in records:
        if (record.record_type, record.object_id) in holds:
            outcome.held[record.record_type].append(record.object_id)
        elif kinds[record.record_type].follows_open_case and record.resident_id in open_people:
            outcome.open_case[record.record_type].append(record.object_id)
        else:
            keep.append(record)
    return keep


def _purge_batch(code: str, batch: list[DueRecord], outcome: PurgeOutcome) -> None:
    """One transaction: look again at the holds (one may have been placed since), remove, write audit rows."""
    kind = record_type(code)
    assert kind is not None
    with transaction.atomic():
        list(LegalHold.objects.select_for_update().filter(released_at__isnull=True))
        keeping = held(batch)
        still = [record for record in batch if (code, record.object_id) not in keeping]
        outcome.held[code].extend(record.object_id for record in batch if record not in still)
        if not still:
            return
        ids = [record.object_id for record in still]
        rows = kind.remove(ids)
        by_center: dict[int, list[int]] = defaultdict(list)
        for record in still:
            by_center[record.center_id].append(record.object_id)
        for center_id, center_ids in sorted(by_center.items()):
            audit_record(
                actor=None,
                action="retention.purge",
                actor_label="system",
                object_type=code,
                center_id=center_id,
                detail={"record_type": code, "count": len(center_ids), "ids": center_ids, "rows": rows},
            )
        outcome.removed[code].extend(ids)
        outcome.rows[code] += rows


def purge_expired(*, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeOutcome:
    """Remove every record whose retention has ended, except those a legal hold keeps and those of a person
    whose counseling record is still open; in batches, one transaction each. Running it again removes
    nothing more. A dry run only says what it would do."""
    outcome = PurgeOutcome(dry_run=dry_run)
    records = _purgeable(due_records(until=now or timezone.now()), outcome)
    by_type: dict[str, list[DueRecord]] = defaultdict(list)
    for record in records:
        by_type[record.record_type].append(record)
    size = batch_size()
    for code, pending in by_type.items():
        if dry_run:
            outcome.removed[code] = [record.object_id for record in pending]
            continue
        for start in range(0, len(pending), size):
            _purge_batch(code, pending[start : start + size], outcome)
    return outcome
