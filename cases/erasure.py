"""Erasure that cannot destroy a live clinical record: which counseling records a person's erasure must keep
(an open case, or a closed one inside the center's retention period) and what the cases app does then."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from centers.models import Resident

from .models import Case, EventKind, FollowUp


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def record_holds(*, resident: Resident, now: dt.datetime | None = None) -> list[dict]:
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
            until = _add_years(case.closed_at, case.center.record_retention_years)
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
    return {hold["case_id"] for hold in record_holds(resident=resident)}


def erasure_record_kept(*, resident: Resident, actor, case_ids: set[int]) -> None:
    """For cases.services.person_anonymise, inside its transaction: the kept cases get a timeline entry and an
    audit row, and their counselors and the center's supervisors a notice (workspace row and email)."""
    from .services import _absolute, _audit, _event, _notice, _supervisors  # services imports this module

    now = timezone.now()
    for case in Case.objects.filter(pk__in=case_ids).select_related("center").prefetch_related("counselors"):
        _event(case, actor, EventKind.ERASURE, to_value="record_kept", at=now)
        _audit(actor, "case.erasure_record_kept", case, resident=resident.pk)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Case %(ref)s: the person asked for erasure; the record is kept") % {"ref": case.reference}
            text = _(
                "Their consents and the contact details not needed for safety were removed; the case, its notes "
                "and screenings stay, readable as before. Contact the person only as their care needs: %(url)s"
            ) % {"url": _absolute(reverse("cases:case_detail", args=[case.pk]))}
        _notice(case, [*case.counselors.all(), *_supervisors(case.center)], subject=subject, text=text, now=now)
