"""Erasure that cannot destroy a live clinical record: which counseling records a person's erasure must keep
(an open case, or a closed one inside the center's retention period). The writes are in cases.services.anonymise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cases.follow_ups.models import FollowUp
from cases.models import Case
from centers.models import Resident


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def record_holds(*, resident: Resident, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The person's cases that erasure must keep, oldest first: open ones, and closed ones whose retention
    (Center.record_retention_years after closing) has not ended. `contact_needed`: the case is open or a
    follow-up is still due, so the counselor must still be able to reach the person."""
    now = now or timezone.now()
    cases = list(Case.objects.filter(resident=resident).select_related("center").order_by("opened_at", "pk"))
    following = set(FollowUp.objects.open().filter(case__in=cases).values_list("case_id", flat=True).distinct())
    holds = []
    for case in cases:
        if case.is_open:
            until = None
        else:
            until = _add_years(case.closed_at or now, case.center.record_retention_years)
            if until <= now:
                continue
        holds.append(
            {
                "case_id": case.pk,
                "case_ref": case.reference,
                "open": case.is_open,
                "until": timezone.localtime(until).date().isoformat() if until else None,
                "years": case.center.record_retention_years,
                "contact_needed": case.is_open or case.pk in following,
            }
        )
    return holds


def held_case_ids(*, resident: Resident) -> set[int]:
    """The ids of the person's cases that erasure must keep."""
    return {hold["case_id"] for hold in record_holds(resident=resident)}
