"""Writes of the officials' summary tables: recompute from the other apps' hook answers.

Dashboards read only these tables. The nightly beat task and a supervisor's "refresh now" both go through
a SummaryRefresh row; the minute sweep runs whatever row is still pending, once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers import hooks
from centers.audit.log import audit_record
from centers.infra.dates import add_months, month_start, week_start
from centers.infra.enqueue import enqueue_after_commit
from centers.models import Center, Role, User
from centers.policies import has_role
from centers.reporting.evaluations.models import (
    MonthlyServiceFigure,
    MonthlyStationFigure,
    SummaryRefresh,
    WeeklyWarningFigure,
)

logger = logging.getLogger(__name__)

RECENT_MONTHS = 2  # this month and the one before are recomputed each night; older months are history
RECENT_WEEKS = 2  # last week and this one, as cases.weekly_series recomputes them hourly


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


@transaction.atomic
def summaries_refresh(
    *,
    center: Center,
    since: dt.date | None = None,
    weeks_since: dt.date | None = None,
    today: dt.date | None = None,
) -> int:
    """Recompute a center's monthly rows from `since` and weekly rows from `weeks_since` (or `since`; default:
    the recent window) to today. Rows before the window are kept as they are (history). Returns rows written."""
    today = today or timezone.localdate()
    weeks_since = weeks_since or since
    month_from = month_start(since) if since else add_months(month_start(today), -(RECENT_MONTHS - 1))
    month_to = add_months(month_start(today), 1)
    start, end = _aware(month_from), _aware(month_to)
    now = timezone.now()

    services: dict[tuple[int | None, dt.date, str], int] = defaultdict(int)
    for row in hooks.collect_list("monthly_person_times", center=center, start=start, end=end):
        services[(row["station_id"], row["month"], row["service"])] += row["person_times"]
    stations: dict[tuple[int | None, dt.date], dict[str, int]] = defaultdict(
        lambda: {"residents_served": 0, "crisis_events": 0, "crisis_handled": 0}
    )
    for row in hooks.collect_list("monthly_residents_served", center=center, start=start, end=end):
        stations[(row["station_id"], row["month"])]["residents_served"] += row["residents"]
    for row in hooks.collect_list("monthly_crisis_events", center=center, start=start, end=end):
        stations[(row["station_id"], row["month"])]["crisis_events"] += row["events"]
        stations[(row["station_id"], row["month"])]["crisis_handled"] += row["handled"]

    MonthlyServiceFigure.objects.filter(center=center, month__gte=month_from, month__lt=month_to).delete()
    MonthlyStationFigure.objects.filter(center=center, month__gte=month_from, month__lt=month_to).delete()
    service_rows = MonthlyServiceFigure.objects.bulk_create(
        MonthlyServiceFigure(
            center=center, station_id=station_id, month=month, service=service, person_times=n, computed_at=now
        )
        for (station_id, month, service), n in sorted(services.items(), key=str)
        if n
    )
    station_rows = MonthlyStationFigure.objects.bulk_create(
        MonthlyStationFigure(center=center, station_id=station_id, month=month, computed_at=now, **values)
        for (station_id, month), values in sorted(stations.items(), key=str)
    )

    week_from = week_start(weeks_since) if weeks_since else week_start(today) - dt.timedelta(weeks=RECENT_WEEKS - 1)
    week_to = week_start(today) + dt.timedelta(weeks=1)
    weekly = hooks.collect_list("early_warning_weekly", center=center, start=week_from, end=week_to)
    WeeklyWarningFigure.objects.filter(center=center, week_start__gte=week_from, week_start__lt=week_to).delete()
    week_rows = WeeklyWarningFigure.objects.bulk_create(
        WeeklyWarningFigure(
            center=center,
            station_id=row["station_id"],
            week_start=row["week_start"],
            general=row["general"],
            serious=row["serious"],
            high_risk=row["high_risk"],
            new_alerts=row["new_alerts"],
            computed_at=now,
        )
        for row in weekly
    )
    return len(service_rows) + len(station_rows) + len(week_rows)


@transaction.atomic
def summary_refresh_request(*, center: Center, actor: User | None = None) -> SummaryRefresh:
    """A supervisor (or the nightly beat, actor None) asks for a refresh; one pending request per center."""
    if actor is not None and not has_role(actor, Role.SUPERVISOR, center_id=center.pk):
        raise PermissionDenied(_("Only a supervisor of this center may refresh its figures."))
    pending = (
        SummaryRefresh.objects.select_for_update()
        .filter(center=center, started_at__isnull=True, finished_at__isnull=True)
        .first()
    )
    if pending is not None:
        return pending
    refresh = SummaryRefresh(center=center, requested_by=actor)
    refresh.full_clean()
    refresh.save()
    if actor is not None:
        audit_record(actor=actor, action="statistics.refresh_request", obj=refresh, center_id=center.pk)
    enqueue_after_commit("centers.statistics.refresh_run", refresh.pk)
    return refresh


def summary_refresh_run(*, refresh_id: int) -> bool:
    """Run one pending refresh; a second call (or a second worker) finds it claimed and does nothing."""
    with transaction.atomic():
        refresh = (
            SummaryRefresh.objects.select_for_update()
            .filter(pk=refresh_id, started_at__isnull=True)
            .select_related("center")
            .first()
        )
        if refresh is None:
            return False
        refresh.started_at = timezone.now()
        refresh.save(update_fields=["started_at"])
    with transaction.atomic():
        rows = summaries_refresh(center=refresh.center)
        refresh.finished_at = timezone.now()
        refresh.rows_written = rows
        refresh.save(update_fields=["finished_at", "rows_written"])
    return True


def summary_refreshes_pending() -> list[int]:
    """Requests not yet started, and ones started over an hour ago that never finished (a dead worker)."""
    stale = timezone.now() - dt.timedelta(hours=1)
    rows = SummaryRefresh.objects.filter(finished_at__isnull=True).filter(started_at__isnull=True)
    stuck = SummaryRefresh.objects.filter(finished_at__isnull=True, started_at__lt=stale)
    if stuck.exists():
        stuck.update(started_at=None)
    return list(rows.order_by("requested_at").values_list("pk", flat=True))


def summary_refresh_nightly() -> int:
    """The nightly beat: one refresh request per center with stations."""
    count = 0
    for center in Center.objects.filter(stations__isnull=False).distinct().order_by("pk"):
        summary_refresh_request(center=center, actor=None)
        count += 1
    return count


@transaction.atomic
def summary_history_load(
    *,
    center: Center,
    services: list[dict[str, Any]],
    stations: list[dict[str, Any]],
    weeks: list[dict[str, Any]],
) -> int:
    """Load summary rows kept before the portal (the street's earlier monthly and weekly statistics), in the
    same shape the hooks answer. Loading the same rows twice changes nothing. Returns rows written."""
    station_ids = set(center.stations.values_list("pk", flat=True))
    for row in [*services, *stations, *weeks]:
        if row["station_id"] is not None and row["station_id"] not in station_ids:
            raise ValidationError(_("The station belongs to another center."))
    now = timezone.now()
    for row in services:
        MonthlyServiceFigure.objects.update_or_create(
            center=center,
            station_id=row["station_id"],
            month=month_start(row["month"]),
            service=row["service"],
            defaults={"person_times": row["person_times"], "computed_at": now},
        )
    for row in stations:
        MonthlyStationFigure.objects.update_or_create(
            center=center,
            station_id=row["station_id"],
            month=month_start(row["month"]),
            defaults={
                "residents_served": row["residents"],
                "crisis_events": row["events"],
                "crisis_handled": row["handled"],
                "computed_at": now,
            },
        )
    for row in weeks:
        WeeklyWarningFigure.objects.update_or_create(
            center=center,
            station_id=row["station_id"],
            week_start=week_start(row["week_start"]),
            defaults={
                "general": row["general"],
                "serious": row["serious"],
                "high_risk": row["high_risk"],
                "new_alerts": row["new_alerts"],
                "computed_at": now,
            },
        )
    return len(services) + len(stations) + len(weeks)
