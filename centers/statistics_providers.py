"""The centers app's own answer to the `monthly_person_times` point: workshop participants (issue 5)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from . import hooks


def workshop_person_times(*, center, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Attended places at workshops held (attendance taken, not cancelled) per station and month."""
    from .community_models import Attendance, Workshop

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
    from . import statistics_tasks  # noqa: F401  (registers the tasks with Celery)

    hooks.register("monthly_person_times", workshop_person_times)
