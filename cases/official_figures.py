"""Aggregates for the officials' statistics: answers to centers.hooks points
`monthly_crisis_events` and `early_warning_weekly`. Counts only, no people. Called by the nightly
summary refresh, never per page view."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.alerts.models import CrisisAlert
from cases.early_warning.models import WeeklyRiskSummary


def monthly_crisis_events(*, center, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Crisis alerts raised per station (None: no station) and month, and how many were acknowledged."""
    rows = (
        CrisisAlert.objects.filter(center=center, raised_at__gte=start, raised_at__lt=end)
        .annotate(month=TruncMonth("raised_at", tzinfo=timezone.get_current_timezone()))
        .values("station_id", "month")
        .annotate(events=Count("pk"), handled=Count("pk", filter=Q(acknowledged_at__isnull=False)))
        .order_by()
    )
    out = []
    for r in rows:
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        out.append(
            {
                "station_id": r["station_id"],
                "month": month.replace(day=1),
                "events": r["events"],
                "handled": r["handled"],
            }
        )
    return out


def early_warning_weekly(*, center, start: dt.date, end: dt.date) -> list[dict]:
    """The early-warning series (cases.weekly_series fills it hourly) for weeks starting in [start, end)."""
    rows = WeeklyRiskSummary.objects.filter(center=center, week_start__gte=start, week_start__lt=end).values(
        "station_id", "week_start", "active_general", "active_serious", "active_high_risk", "new_alerts"
    )
    return [
        {
            "station_id": r["station_id"],
            "week_start": r["week_start"],
            "general": r["active_general"],
            "serious": r["active_serious"],
            "high_risk": r["active_high_risk"],
            "new_alerts": r["new_alerts"],
        }
        for r in rows
    ]
