"""Reads of the duty roster (organisational data: who is on duty when)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from centers.models import Center, DutyShift, User
from centers.policies import center_ids_for
from centers.selectors import DUTY_ONLINE_HOTLINE, duty_gaps


def roster_shifts(*, center: Center, start: dt.datetime, end: dt.datetime) -> QuerySet[DutyShift]:
    """The duty shifts of a center overlapping [start, end)."""
    return (
        DutyShift.objects.filter(center=center, starts_at__lt=end, ends_at__gt=start)
        .select_related("user", "station")
        .order_by("starts_at", "kind", "pk")
    )


def coverage_gaps(*, center: Center, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Spans in [start, end) when nobody eligible holds the 24-hour online / hotline duty (the on-duty rule)."""
    return duty_gaps(center=center, duty=DUTY_ONLINE_HOTLINE, start=start, end=end)


def duty_shift_for_staff(*, user: User, pk: int) -> DutyShift | None:
    """A shift of one of the user's centers (whether they may remove it is can_remove_shift's to say)."""
    return DutyShift.objects.filter(pk=pk, center_id__in=center_ids_for(user)).select_related("station").first()
