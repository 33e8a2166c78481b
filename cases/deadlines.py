"""Missed deadlines are chased, not only displayed (ARCHITECTURE.md section 3).

Two deadlines per case: the response time (high-risk: first contact within 1 hour; serious: contact within
24 hours; general: assignment within 72 hours; `Case.respond_by`) and the expert review
(`Case.expert_review_by`: 24 hours for high-risk). A missed one is chased in two steps by the periodic sweep,
through the same notification rows as crisis alerts: at the deadline the responsible people, and, if it is
still missed after a grace period, the supervisors. Each step is taken once: the case's chase level moves
under a row lock, and each notification row has a key that the database keeps unique per level, channel and
address, so running the sweep twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from centers.models import Center, Role, User
from centers.selectors import DUTY_CRISIS_TEAM, duty_gaps, on_duty

from . import services
from .models import Case, CaseEvent, EventKind, Notification, Tier

RESPONSIBLE = 1  # the first step: the case's counselors (or whoever the deadline names)
SUPERVISORS = 2  # the second step

# How long after a missed deadline the supervisors are told, if it is still missed.
RESPONSE_GRACE = {
    Tier.HIGH_RISK: dt.timedelta(minutes=30),
    Tier.SERIOUS: dt.timedelta(hours=4),
    Tier.GENERAL: dt.timedelta(hours=24),
}
REVIEW_GRACE = dt.timedelta(hours=4)
CHASE_BATCH = 500  # cases per deadline and sweep run

FIRST_CONTACT = "first_contact"
CONTACT = "contact"
ASSIGNMENT = "assignment"
EXPERT_REVIEW = "expert_review"

LABELS = {
    FIRST_CONTACT: gettext_lazy("First contact of a high-risk case (1 hour)"),
    CONTACT: gettext_lazy("Contact of a serious case (24 hours)"),
    ASSIGNMENT: gettext_lazy("Assignment of a general case (72 hours)"),
    EXPERT_REVIEW: gettext_lazy("Expert review"),
}


def response_kind(tier: int) -> str:
    return {Tier.HIGH_RISK: FIRST_CONTACT, Tier.SERIOUS: CONTACT}.get(tier, ASSIGNMENT)


def _station_managers(case: Case) -> list[User]:
    if not case.station_id:
        return []
    return list(
        User.objects.filter(
            memberships__station_id=case.station_id,
            memberships__role=Role.STATION_MANAGER,
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def _responsible(case: Case, kind: str, *, now) -> list[User]:
    """Who answers for the deadline first: the case's counselors; for an unassigned case, the crisis team on
    duty (contacts and reviews) or the station's manager (assignment); failing those, the supervisors."""
    people = list(case.counselors.filter(is_active=True))
    if not people:
        if kind == ASSIGNMENT:
            people = _station_managers(case)
        else:
            people = on_duty(center=case.center, duty=DUTY_CRISIS_TEAM, at=now)
    return people or services._supervisors(case.center)


def _texts(case: Case, kind: str, due, step: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        what = str(LABELS[kind])
        url = services._absolute(reverse("cases:case_detail", args=[case.pk]))
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


def _chase(case: Case, *, kind: str, due, step: int, now) -> None:
    """Send one step of the chase of one missed deadline, with its event and audit row."""
    subject, text = _texts(case, kind, due, step)
    key = f"deadline:{case.pk}:{kind}:{int(due.timestamp())}"
    notify = {"center": case.center, "now": now, "subject": subject, "text": text, "level": step, "key": key}
    if step == RESPONSIBLE:
        services._notify_users(users=_responsible(case, kind, now=now), **notify)
    else:
        supervisors = services._supervisors(case.center)
        services._notify_users(users=supervisors, **notify)
        if not supervisors:  # nobody supervises: the center's escalation contact
            services._notify_contact(**notify)
    CaseEvent.objects.create(case=case, kind=EventKind.ESCALATED, from_value=kind, to_value=f"deadline:{step}", at=now)
    services._audit(None, "case.deadline_missed", case, deadline=kind, step=step)


def _target(due, grace, now) -> int:
    if now >= due + grace:
        return SUPERVISORS
    if now >= due:
        return RESPONSIBLE
    return 0


def _response_step_due(now) -> Q:
    """Missed response times with a step still to take now (the caller filters the missed ones)."""
    second = Q(pk__in=[])
    for tier, grace in RESPONSE_GRACE.items():
        second |= Q(tier=tier, respond_by__lte=now - grace)
    return Q(response_chase_level=0) | (Q(response_chase_level=RESPONSIBLE) & second)


def _review_step_due(now) -> Q:
    return Q(review_chase_level=0) | Q(review_chase_level=RESPONSIBLE, expert_review_by__lte=now - REVIEW_GRACE)


def _deadline_spec(deadline: str, now) -> dict:
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


def deadlines_chase_due(*, now=None, limit: int = CHASE_BATCH) -> int:
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


def overdue_rows(cases, *, now) -> list[dict]:
    """What each case of `cases` has missed, for the workspace and the console (no query)."""
    rows = []
    for case in cases:
        if case.respond_by and case.respond_by < now and not case.response_done:
            kind = response_kind(case.tier)
            rows.append({"case": case, "what": LABELS[kind], "due": case.respond_by})
        if getattr(case, "review_missed", False):
            rows.append({"case": case, "what": LABELS[EXPERT_REVIEW], "due": case.expert_review_by})
    return sorted(rows, key=lambda row: row["due"])


# --- crisis-team coverage ---------------------------------------------------------------------------------

COVERAGE_DAYS = 14
COVERAGE_LISTED = 20  # gaps a digest lists; the roster shows them all


def coverage_digests_send(*, now=None) -> int:
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
        supervisors = services._supervisors(center)
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
                str(
                    _("Fill them on the duty roster: %(url)s")
                    % {"url": services._absolute(reverse("appointments:roster"))}
                )
            )
        with transaction.atomic():
            stored = services._notify_users(
                users=supervisors,
                center=center,
                now=now,
                subject=str(subject),
                text="\n".join(lines),
                key=keys[center.pk],
            )
            if stored:
                services.audit_record(
                    actor=None,
                    action="duty.coverage_digest",
                    obj=center,
                    detail={"gaps": len(gaps)},
                    actor_label="system",
                )
                sent += 1
    return sent


__all__ = ["coverage_digests_send", "deadlines_chase_due", "overdue_rows", "response_kind"]
