"""The centers app's own answer to the `monthly_person_times` point: workshop participants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from centers import hooks
from centers.community.models import Attendance, Workshop
from centers.models import Center


def workshop_person_times(*, center: Center, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Attended places at workshops held (attendance taken, not cancelled) per station and month."""
    rows = (
        Workshop.objects.filter(
            center=center,
            starts_at__gte=start,
            starts_at__lt=end,
            is_cancelled=False,
            attendance_taken_at__isnull=False,
        )
        .annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_current_timezone()))
        .values("station_id", "month")
        .annotate(n=Count("registrations", filter=Q(registrations__attendance=Attendance.ATTENDED)))
        .order_by()
    )
    out = []
    for r in rows:
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        if r["n"]:
            out.append(
                {
                    "station_id": r["station_id"],
                    "month": month.replace(day=1),
                    "service": "workshop",
                    "person_times": r["n"],
                }
            )
    return out


def register() -> None:
    hooks.register("monthly_person_times", workshop_person_times)
