"""The early-warning series: figures per station and week."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from cases.alerts.models import CrisisAlert
from cases.early_warning.models import WeeklyRiskSummary
from cases.models import Case, Tier
from cases.screenings.models import Screening
from centers.infra.dates import week_start as week_start_of_day
from centers.models import Station


def _week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=7)


@transaction.atomic
def weekly_series_compute(*, week_start: dt.date) -> int:
    """Per station and week: active cases per tier, new alerts, mean PHQ-9, share of positive screenings."""
    week_start = week_start_of_day(week_start)
    start, end = _week_bounds(week_start)
    active = (
        Case.objects.filter(station__isnull=False, opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .values("station_id", "tier")
        .annotate(n=Count("pk"))
    )
    alerts = (
        CrisisAlert.objects.filter(station__isnull=False, raised_at__gte=start, raised_at__lt=end)
        .values("station_id")
        .annotate(n=Count("pk"))
    )
    screens = (
        Screening.objects.filter(station__isnull=False, taken_at__gte=start, taken_at__lt=end)
        .values("station_id")
        .annotate(
            n=Count("pk"),
            pos=Count("pk", filter=Q(positive=True)),
            phq=Count("pk", filter=Q(instrument="phq9")),
            mean=Avg("score", filter=Q(instrument="phq9")),
        )
    )
    figures: dict[int, dict[str, object]] = {}
    for row in active:
        key = {Tier.GENERAL: "active_general", Tier.SERIOUS: "active_serious", Tier.HIGH_RISK: "active_high_risk"}[
            Tier(row["tier"])
        ]
        figures.setdefault(row["station_id"], {})[key] = row["n"]
    for alert_row in alerts:
        figures.setdefault(alert_row["station_id"], {})["new_alerts"] = alert_row["n"]
    for screen_row in screens:
        mean = screen_row["mean"]
        figures.setdefault(screen_row["station_id"], {}).update(
            screenings=screen_row["n"],
            positive_screenings=screen_row["pos"],
            phq9_count=screen_row["phq"],
            mean_phq9=Decimal(str(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if mean is not None else None,
        )
    stations = {s.pk: s.center_id for s in Station.objects.filter(pk__in=figures.keys())}
    now = timezone.now()
    for station_id, values in figures.items():
        defaults: dict[str, object] = {
            "center_id": stations[station_id],
            "active_general": 0,
            "active_serious": 0,
            "active_high_risk": 0,
            "new_alerts": 0,
            "screenings": 0,
            "positive_screenings": 0,
            "phq9_count": 0,
            "mean_phq9": None,
            "computed_at": now,
        }
        defaults.update(values)
        WeeklyRiskSummary.objects.update_or_create(station_id=station_id, week_start=week_start, defaults=defaults)
    WeeklyRiskSummary.objects.filter(week_start=week_start).exclude(station_id__in=figures.keys()).delete()
    return len(figures)
