"""Routing: a case goes where its tier says, with the tier's response times (a crisis alert for high-risk)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CrisisPhase,
    EventKind,
    Tier,
)
from cases.recipients import supervisor_list
from cases.services.alerts import alert_open
from cases.services.common import case_audit, event_add
from cases.services.follow_ups import (
    follow_up_reschedule,
    follow_up_schedule,
)
from cases.services.notifications import absolute_url, users_notify
from centers.models import User
from centers.selectors import DUTY_CRISIS_TEAM, on_duty


def case_route(case: Case, actor: User | None, *, reason: str, now: dt.datetime, callback_phone: str = "") -> None:
    """Send the case where its tier says, with the tier's response times."""
    if case.tier == Tier.HIGH_RISK:
        case.respond_by = now + dt.timedelta(hours=1)
        case.expert_review_by = case.expert_review_by or now + dt.timedelta(hours=24)
        case.crisis_phase = CrisisPhase.DURING
        case.ever_high_risk = True
        route = "crisis_team"
    elif case.tier == Tier.SERIOUS:
        case.respond_by = now + dt.timedelta(hours=24)
        case.expert_review_by = case.expert_review_by or now + dt.timedelta(hours=72)
        route = "center_counselors"
    else:
        case.respond_by = case.opened_at + dt.timedelta(hours=72)
        route = "station_counselors" if case.station_id else "center_counselors"
    case.response_chase_level = 0  # a new response time is chased from its own start
    case.updated_at = now
    case.full_clean()
    case.save()
    event_add(case, actor, EventKind.ROUTED, to_value=route, at=now)
    if case.tier == Tier.HIGH_RISK:
        alert_open(case=case, actor=actor, reason=reason, now=now, callback_phone=callback_phone)
    elif case.tier == Tier.SERIOUS:
        _serious_intake_notify(case, now=now)
    follow_up_schedule(case, now=now)


def _serious_intake_notify(case: Case, *, now: dt.datetime) -> None:
    """A serious case is contacted within 24 hours: its counselors, else the crisis team on duty, else the
    supervisors hear of it at once."""
    people = list(case.counselors.filter(is_active=True)) or on_duty(center=case.center, duty=DUTY_CRISIS_TEAM, at=now)
    people = people or supervisor_list(center=case.center)
    due = case.respond_by
    if due is None:  # case_route sets it before it calls this
        return
    with translation.override(settings.LANGUAGE_CODE):
        url = absolute_url(reverse("cases:case_detail", args=[case.pk]))
        subject = _("Serious case %(ref)s: contact the person within 24 hours") % {"ref": case.reference}
        text = _("Contact the person by %(due)s and record the contact on the case: %(url)s") % {
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
            "url": url,
        }
    key = f"serious:{case.pk}:{int(due.timestamp())}"
    users_notify(users=people, center=case.center, now=now, subject=str(subject), text=str(text), key=key)


def case_tier_apply(
    case: Case,
    *,
    tier: int,
    actor: User | None,
    reason: str,
    now: dt.datetime,
    source: str,
    callback_phone: str = "",
) -> None:
    old = case.tier
    case.tier = tier
    case.pending_tier = None
    case.pending_tier_reason = ""
    case.pending_tier_by = None
    if tier == Tier.HIGH_RISK:
        case.ever_high_risk = True
    case.updated_at = now
    case.full_clean()
    case.save()
    event_add(case, actor, EventKind.TIER, from_value=int(old), to_value=int(tier), reason=reason, at=now)
    case_audit(actor, "case.tier", case, from_tier=old, to_tier=tier, source=source)
    if tier > old:
        case_route(case, actor, reason=source, now=now, callback_phone=callback_phone)
    else:
        follow_up_reschedule(case, now=now)


def case_tier_raise(
    case: Case,
    *,
    tier: int,
    actor: User | None,
    reason: str,
    now: dt.datetime,
    source: str,
    callback_phone: str = "",
) -> None:
    """Signals only ever raise a tier automatically; lowering is a person's decision with a reason."""
    if tier > case.tier:
        case_tier_apply(
            case, tier=tier, actor=actor, reason=reason, now=now, source=source, callback_phone=callback_phone
        )
    elif tier == Tier.HIGH_RISK:
        # Already high-risk, yet a new acute signal: the crisis team must hear of it again.
        alert_open(case=case, actor=actor, reason=source, now=now, callback_phone=callback_phone)
