"""Missed deadlines are chased, not only displayed (ARCHITECTURE.md section 3).

The periodic sweep takes each step of a missed deadline (cases.deadlines) through the same notification rows as
crisis alerts. Each step is taken once: the case's chase level moves under a row lock, and each notification row
has a key that the database keeps unique per level, channel and address, so running the sweep twice sends
nothing twice. Once a day, the supervisors also get a digest of the crisis team's duty gaps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.alerts.models import Notification
from cases.deadlines import (
    ASSIGNMENT,
    CHASE_BATCH,
    COVERAGE_DAYS,
    COVERAGE_LISTED,
    EXPERT_REVIEW,
    LABELS,
    RESPONSE_GRACE,
    RESPONSIBLE,
    REVIEW_GRACE,
    SUPERVISORS,
    response_kind,
)
from cases.models import Case, CaseEvent, EventKind, Tier
from cases.recipients import station_manager_list, supervisor_list
from cases.services.common import case_audit
from cases.services.notifications import NotifyArgs, absolute_url, contact_notify, users_notify
from centers.audit.log import audit_record
from centers.models import Center, User
from centers.selectors import DUTY_CRISIS_TEAM, duty_gaps, on_duty


def _responsible(case: Case, kind: str, *, now: dt.datetime) -> list[User]:
    """Who answers for the deadline first: the case's counselors; for an unassigned case, the crisis team on
    duty (contacts and reviews) or the station's manager (assignment); failing those, the supervisors."""
    people = list(case.counselors.filter(is_active=True))
    if not people:
        if kind == ASSIGNMENT:
            people = station_manager_list(case=case)
        else:
            people = on_duty(center=case.center, duty=DUTY_CRISIS_TEAM, at=now)
    return people or supervisor_list(center=case.center)


def _texts(case: Case, kind: str, due: dt.datetime, step: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        what = str(LABELS[kind])
        url = absolute_url(reverse("cases:case_detail", args=[case.pk]))
        due_text = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
        if step == RESPONSIBLE:
            subject = _("Deadline missed on case %(ref)s: %(what)s, due %(due)s") % {
                "ref": case.reference,
                "what": what,
                "due": due_text,
            }
        else:
            subject = _("Escalated: case %(ref)s still misses a deadline: %(what)s, due %(due)s") % {
                "ref": case.reference,
                "what": what,
                "due": due_text,
            }
        text = _("Open the case and act now: %(url)s") % {"url": url}
    return str(subject), str(text)


def _chase(case: Case, *, kind: str, due: dt.datetime, step: int, now: dt.datetime) -> None:
    """Send one step of the chase of one missed deadline, with its event and audit row."""
    subject, text = _texts(case, kind, due, step)
    key = f"deadline:{case.pk}:{kind}:{int(due.timestamp())}"
    notify: NotifyArgs = {
        "center": case.center,
        "now": now,
        "subject": subject,
        "text": text,
        "level": step,
        "key": key,
    }
    if step == RESPONSIBLE:
        users_notify(users=_responsible(case, kind, now=now), **notify)
    else:
        supervisors = supervisor_list(center=case.center)
        users_notify(users=supervisors, **notify)
        if not supervisors:  # nobody supervises: the center's escalation contact
            contact_notify(**notify)
    CaseEvent.objects.create(case=case, kind=EventKind.ESCALATED, from_value=kind, to_value=f"deadline:{step}", at=now)
    case_audit(None, "case.deadline_missed", case, deadline=kind, step=step)


def _target(due: dt.datetime, grace: dt.timedelta, now: dt.datetime) -> int:
    if now >= due + grace:
        return SUPERVISORS
    if now >= due:
        return RESPONSIBLE
    return 0


def _response_step_due(now: dt.datetime) -> Q:
    """Missed response times with a step still to take now (the caller filters the missed ones)."""
    second = Q(pk__in=[])
    for tier, grace in RESPONSE_GRACE.items():
        second |= Q(tier=tier, respond_by__lte=now - grace)
    return Q(response_chase_level=0) | (Q(response_chase_level=RESPONSIBLE) & second)


def _review_step_due(now: dt.datetime) -> Q:
    return Q(review_chase_level=0) | Q(review_chase_level=RESPONSIBLE, expert_review_by__lte=now - REVIEW_GRACE)


def _deadline_spec(deadline: str, now: dt.datetime) -> dict[str, Any]:
    """How one of the two deadlines reads: its missed cases with a step due now, its due field, its level field."""
    if deadline == "response":
        return {
            "due": Case.objects.response_missed(now).filter(_response_step_due(now)),
            "due_field": "respond_by",
            "level_field": "response_chase_level",
            "kind": lambda case: response_kind(case.tier),
            "grace": lambda case: RESPONSE_GRACE[Tier(case.tier)],
        }
    return {
        "due": Case.objects.review_missed(now).filter(_review_step_due(now)),
        "due_field": "expert_review_by",
        "level_field": "review_chase_level",
        "kind": lambda case: EXPERT_REVIEW,
        "grace": lambda case: REVIEW_GRACE,
    }


def deadlines_chase_due(*, now: dt.datetime | None = None, limit: int = CHASE_BATCH) -> int:
    """The sweep: take the steps that missed response times and expert reviews have come to. Returns how many
    steps were taken. Running it twice takes none twice. At most `limit` cases of each deadline per run, the
    longest overdue first, so a backlog (the first run after a deployment) spreads over a few minutes."""
    now = now or timezone.now()
    taken = 0
    for deadline in ("response", "review"):
        spec = _deadline_spec(deadline, now)
        ids = list(spec["due"].order_by(spec["due_field"]).values_list("pk", flat=True)[:limit])
        for pk in ids:
            with transaction.atomic():
                case = spec["due"].select_for_update(of=("self",)).select_related("center").filter(pk=pk).first()
                if case is None:
                    continue  # done meanwhile, or another sweep took the step
                due, level = getattr(case, spec["due_field"]), getattr(case, spec["level_field"])
                target = _target(due, spec["grace"](case), now)
                for step in range(level + 1, target + 1):
                    _chase(case, kind=spec["kind"](case), due=due, step=step, now=now)
                    taken += 1
                if target > level:
                    Case.objects.filter(pk=pk).update(**{spec["level_field"]: target})
    return taken


def coverage_digests_send(*, now: dt.datetime | None = None) -> int:
    """Once a day per center, while the crisis team has gaps in the coming 14 days, the supervisors get a
    digest of them (workspace, email, SMS rows). Returns how many centers got one; a second run that day
    sends nothing."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    keys = {center_id: f"coverage:{center_id}:{day}" for center_id in Center.objects.values_list("pk", flat=True)}
    done = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    sent = 0
    for center in Center.objects.filter(pk__in=[pk for pk, key in keys.items() if key not in done]).order_by("pk"):
        gaps = duty_gaps(center=center, duty=DUTY_CRISIS_TEAM, start=now, end=now + dt.timedelta(days=COVERAGE_DAYS))
        supervisors = supervisor_list(center=center)
        if not gaps or not supervisors:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = ngettext(
                "The crisis team has %(count)d gap in the coming 14 days",
                "The crisis team has %(count)d gaps in the coming 14 days",
                len(gaps),
            ) % {"count": len(gaps)}
            lines = [
                f"{timezone.localtime(start):%Y-%m-%d %H:%M} – {timezone.localtime(end):%Y-%m-%d %H:%M}"
                for start, end in gaps[:COVERAGE_LISTED]
            ]
            lines.append(
                str(_("Fill them on the duty roster: %(url)s") % {"url": absolute_url(reverse("appointments:roster"))})
            )
        with transaction.atomic():
            stored = users_notify(
                users=supervisors,
                center=center,
                now=now,
                subject=str(subject),
                text="\n".join(lines),
                key=keys[center.pk],
            )
            if stored:
                audit_record(
                    actor=None,
                    action="duty.coverage_digest",
                    obj=center,
                    detail={"gaps": len(gaps)},
                    actor_label="system",
                )
                sent += 1
    return sent
