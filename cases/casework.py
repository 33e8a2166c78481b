"""Reads about working a case that its writes also need: whether it was re-assessed, the screening that backs a
judgement, and the partner's referral link behind a token (opening it is audited)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from cases.models import Case, EventKind, Stage
from cases.referrals.models import REFERRAL_TRANSITIONS, ReferralLink
from cases.screenings.models import Screening
from centers.audit.log import audit_record

FINISHED_REFERRAL_STATUSES = [status for status, onward in REFERRAL_TRANSITIONS.items() if not onward]


def _last_start(case: Case) -> dt.datetime:
    reopened = case.events.filter(kind=EventKind.REOPENED).order_by("-at").values_list("at", flat=True).first()
    return reopened or case.opened_at


def _follow_up_entered(case: Case) -> dt.datetime | None:
    return (
        case.events.filter(kind=EventKind.STAGE, to_value=Stage.FOLLOW_UP)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def case_reassessed(*, case: Case) -> bool:
    """A structured judgement since the case last (re)opened, or a screening since it last entered 访."""
    if case.reassessments.filter(at__gte=_last_start(case)).exists():
        return True
    entered = _follow_up_entered(case)
    return bool(entered and case.screenings.filter(taken_at__gte=entered).exists())


def screening_for_reassessment(*, case: Case) -> Screening | None:
    """The newest screening taken since the case last entered 访, to back a structured judgement."""
    entered = _follow_up_entered(case)
    if entered is None:
        return None
    return case.screenings.filter(taken_at__gte=entered).order_by("-taken_at").first()


def referral_token_hash(token: str) -> str:
    """What is kept of a partner link's token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def referral_link_find(*, token: str) -> ReferralLink | None:
    """The usable link for a token, or None (unknown, used or expired). Opening it is audited."""
    link = (
        ReferralLink.objects.select_related("referral__partner", "referral__case")
        .filter(token_hash=referral_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .exclude(referral__status__in=FINISHED_REFERRAL_STATUSES)
        .first()
    )
    if link is not None:
        audit_record(
            actor=None,
            action="referral.partner_read",
            obj=link.referral.case,
            object_type="cases.case",
            detail={"referral": link.referral_id},
            actor_label=f"partner:{link.referral.partner_id}",
        )
    return link
