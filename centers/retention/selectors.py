"""Reads of the retention schedule: what is due, what is held, the month's report, for the user's centers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from centers import hooks
from centers.models import Center, Resident
from centers.policies import Actor
from centers.retention.models import LegalHold, RetentionReport
from centers.retention.policies import retention_center_ids
from centers.retention.schedule import DueRecord, record_types


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def active_holds(*, center_ids: set[int] | None = None) -> QuerySet[LegalHold]:
    holds = LegalHold.objects.filter(released_at__isnull=True).select_related("resident", "placed_by")
    return holds if center_ids is None else holds.filter(center_id__in=center_ids)


def holds_for(*, user: Actor) -> QuerySet[LegalHold]:
    """Every hold (in force first, then released) of the user's centers."""
    return (
        LegalHold.objects.filter(center_id__in=retention_center_ids(user))
        .select_related("resident", "placed_by", "released_by", "center")
        .order_by(F("released_at").desc(nulls_first=True), "-placed_at", "-pk")
    )


def hold_for(*, user: Actor, pk: int) -> LegalHold | None:
    return holds_for(user=user).filter(pk=pk).first()


def held(records: list[DueRecord]) -> dict[tuple[str, int], LegalHold]:
    """The records among `records` a hold in force keeps, with that hold (the record's own first)."""
    if not records:
        return {}
    by_record: dict[tuple[str, int], LegalHold] = {}
    by_person: dict[int, LegalHold] = {}
    for hold in LegalHold.objects.filter(released_at__isnull=True).order_by("placed_at", "pk"):
        if hold.resident_id is not None:
            by_person.setdefault(hold.resident_id, hold)
        elif hold.object_id is not None:
            by_record.setdefault((hold.record_type, hold.object_id), hold)
    found: dict[tuple[str, int], LegalHold] = {}
    for record in records:
        key = (record.record_type, record.object_id)
        keeping = by_record.get(key) or (by_person.get(record.resident_id) if record.resident_id else None)
        if keeping is not None:
            found[key] = keeping
    return found


def residents_with_open_record(resident_ids: set[int]) -> set[int]:
    """Of these people, those with an open counseling record (hook ``person_record_hold``): their other
    records stay while it is open."""
    return {
        resident.pk
        for resident in Resident.objects.filter(pk__in=resident_ids)
        if any(item.get("open") for item in hooks.collect_list("person_record_hold", resident=resident))
    }


def due_records(*, until: dt.datetime, center_ids: set[int] | None = None) -> list[DueRecord]:
    """Every record, of every registered type, whose retention ends before `until`, oldest first."""
    records = [record for kind in record_types() for record in kind.due(until)]
    if center_ids is not None:
        records = [record for record in records if record.center_id in center_ids]
    return sorted(records, key=lambda record: (record.due_at, record.record_type, record.object_id))


def month_rows(*, month: dt.date, center_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """Per center, per record type: how many records become due in `month`, how many were due before and are
    still there, and how many of these a hold keeps (ids of the held ones)."""
    start, end = _aware(month_start(month)), _aware(next_month(month))
    records = due_records(until=end, center_ids=center_ids)
    holds = held(records)
    counts: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for center_id in center_ids:
        for kind in record_types():
            counts[center_id][kind.code] = {
                "record_type": kind.code,
                "label": str(kind.label),
                "due_this_month": 0,
                "overdue": 0,
                "held": 0,
                "held_ids": [],
            }
    for record in records:
        row = counts[record.center_id][record.record_type]
        row["due_this_month" if record.due_at >= start else "overdue"] += 1
        if (record.record_type, record.object_id) in holds:
            row["held"] += 1
            row["held_ids"].append(record.object_id)
    return {center_id: list(rows.values()) for center_id, rows in counts.items()}


def hold_rows(*, center_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """The holds in force per center: what they keep, since when, placed by whom (ids, no reason text)."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for hold in active_holds(center_ids=center_ids).order_by("placed_at", "pk"):
        rows[hold.center_id].append(
            {
                "hold_id": hold.pk,
                "record_type": hold.record_type or "person",
                "object_id": hold.object_id if hold.object_id is not None else hold.resident_id,
                "placed_at": hold.placed_at.isoformat(),
                "placed_by": hold.placed_by_id,
            }
        )
    return rows


def retention_overview(*, user: Actor, month: dt.date) -> list[dict[str, Any]]:
    """The retention page: per center of the user, this month's figures, worked out now."""
    center_ids = retention_center_ids(user)
    rows = month_rows(month=month, center_ids=center_ids)
    return [{"center": center, "rows": rows[center.pk]} for center in Center.objects.filter(pk__in=center_ids)]


def reports_for(*, user: Actor) -> QuerySet[RetentionReport]:
    return RetentionReport.objects.filter(center_id__in=retention_center_ids(user)).select_related("center")
