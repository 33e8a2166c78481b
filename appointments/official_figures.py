"""Monthly aggregates for the officials' statistics: answers to centers.hooks points
`monthly_person_times` and `monthly_residents_served`. Counts only, no people. Called by the nightly
summary refresh, never per page view."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _completed(center, start, end):
    return Appointment.objects.filter(
        center=center, status=AppointmentStatus.COMPLETED, starts_at__gte=start, starts_at__lt=end
    ).annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_current_timezone()))


def monthly_person_times(*, center, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Completed sessions per station (None: at the center), month and service."""
    rows = _completed(center, start, end).values("station_id", "month", "service").annotate(n=Count("pk")).order_by()
    return [
        {"station_id": r["station_id"], "month": _month(r["month"]), "service": r["service"], "person_times": r["n"]}
        for r in rows
    ]


def monthly_residents_served(*, center, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Distinct residents with a completed session, per station (None: at the center) and month."""
    rows = (
        _completed(center, start, end)
        .values("station_id", "month")
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
    )
    return [{"station_id": r["station_id"], "month": _month(r["month"]), "residents": r["n"]} for r in rows]
