"""Extra reads for the counselor workspace, the supervisor console and the case page (issue 5).

Each returns only what the user may see (cases.policies.visible_case_ids) and takes a fixed number of
queries whatever the data size. Rendered by the inclusion tags in cases/templatetags/workspace_panels.py.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from appointments.models import ACTIVE_Q, Appointment
from appointments.selectors import coverage_gaps
from centers.models import Center, User
from centers.selectors import DUTY_CRISIS_TEAM, duty_gaps, on_duty

from . import policies
from .deadlines import COVERAGE_DAYS, overdue_rows
from .models import Case, Consultation, FollowUp, Referral, ReferralStatus, Screening, Stage, Tier

LIMIT = 30


def appointments_today(*, user) -> list[Appointment]:
    """The counselor's own appointments today, in time order."""
    if not policies.is_case_worker(user):
        return []
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    return list(
        Appointment.objects.filter(
            ACTIVE_Q, counselor=user, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        .select_related("resident", "station")
        .order_by("starts_at")[:LIMIT]
    )


def new_intakes(*, user) -> QuerySet[Case]:
    """Open cases nobody has taken yet, highest risk first, then the soonest response deadline."""
    if not policies.is_case_worker(user):
        return Case.objects.none()
    return (
        Case.objects.filter(assigned_at__isnull=True)
        .exclude(stage=Stage.CLOSED)
        .filter(policies.case_visible_to(user))
        .select_related("resident", "station")
        .order_by("-tier", "respond_by", "opened_at")[:LIMIT]
    )


def overdue_follow_ups(*, user) -> QuerySet[FollowUp]:
    """Follow-ups past due on cases the user works or that were given to them."""
    if not policies.is_case_worker(user):
        return FollowUp.objects.none()
    return (
        FollowUp.objects.open()
        .filter(Q(assigned_to=user) | Q(case_id__in=policies.visible_case_ids(user)), due_at__lt=timezone.now())
        .select_related("case", "case__resident")
        .order_by("-case__tier", "due_at")[:LIMIT]
    )


def referrals_awaiting_feedback(*, user) -> QuerySet[Referral]:
    """Referrals sent or accepted whose partner has not reported back, on cases the user works."""
    if not policies.is_case_worker(user):
        return Referral.objects.none()
    return (
        Referral.objects.filter(
            case_id__in=policies.visible_case_ids(user),
            status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
            feedback_at__isnull=True,
        )
        .select_related("case", "case__resident", "partner")
        .order_by("-case__tier", "sent_at")[:LIMIT]
    )


def consultations_pending(*, user) -> QuerySet[Consultation]:
    """Expert consultations not yet answered, in the supervisor's centers."""
    centers = policies.supervised_center_ids(user)
    return (
        Consultation.objects.filter(case__center_id__in=centers, advised_at__isnull=True)
        .select_related("case", "expert")
        .order_by("-case__tier", "requested_at")[:LIMIT]
    )


def caseload(*, user) -> list[dict]:
    """Open cases per counselor of the supervisor's centers, by tier (one query)."""
    centers = policies.supervised_center_ids(user)
    rows = (
        Case.objects.filter(center_id__in=centers)
        .exclude(stage=Stage.CLOSED)
        .values("counselors")
        .annotate(
            general=Count("pk", filter=Q(tier=Tier.GENERAL)),
            serious=Count("pk", filter=Q(tier=Tier.SERIOUS)),
            high_risk=Count("pk", filter=Q(tier=Tier.HIGH_RISK)),
        )
        .order_by()
    )
    counts = {row["counselors"]: row for row in rows}
    people = {u.pk: u for u in User.objects.filter(pk__in=[k for k in counts if k is not None])}
    out = []
    for pk, row in counts.items():
        name = people[pk].public_name if pk in people else None
        total = row["general"] + row["serious"] + row["high_risk"]
        out.append(
            {
                "counselor": name,
                "general": row["general"],
                "serious": row["serious"],
                "high_risk": row["high_risk"],
                "total": total,
            }
        )
    return sorted(out, key=lambda r: (r["counselor"] is None, -r["high_risk"], -r["total"], r["counselor"] or ""))


def duty_coverage(*, user) -> list[dict]:
    """Per supervised center: the crisis team on duty now, the online/hotline gaps in the next 24 hours and the
    crisis-team gaps in the next 14 days (all by the one on-duty rule)."""
    now = timezone.now()
    out = []
    for center in Center.objects.filter(pk__in=policies.supervised_center_ids(user)).order_by("pk"):
        out.append(
            {
                "center": center,
                "on_duty": on_duty(center=center, duty=DUTY_CRISIS_TEAM, at=now),
                "gaps": coverage_gaps(center=center, start=now, end=now + dt.timedelta(hours=24)),
                "crisis_gaps": duty_gaps(
                    center=center, duty=DUTY_CRISIS_TEAM, start=now, end=now + dt.timedelta(days=COVERAGE_DAYS)
                ),
            }
        )
    return out


def deadlines_overdue(*, user) -> list[dict]:
    """Missed response times and expert reviews on open cases the user may see, oldest first (one query)."""
    if not policies.is_case_worker(user):
        return []
    now = timezone.now()
    late = Q(pk__in=Case.objects.response_missed(now).values("pk")) | Q(
        pk__in=Case.objects.review_missed(now).values("pk")
    )
    cases = (
        Case.objects.filter(late)
        .filter(policies.case_visible_to(user))
        .annotate(review_missed=Exists(Case.objects.review_missed(now).filter(pk=OuterRef("pk"))))
        .select_related("station")
        .order_by("respond_by")[:LIMIT]
    )
    return overdue_rows(cases, now=now)


def screening_chart(screenings) -> dict:
    """PHQ-9 and GAD-7 scores over time, from the case page's screenings (no extra query)."""
    rows = sorted((s for s in screenings if s.instrument in ("phq9", "gad7")), key=lambda s: s.taken_at)
    labels = sorted({timezone.localtime(s.taken_at).strftime("%Y-%m-%d") for s in rows})
    series = {"phq9": dict.fromkeys(labels), "gad7": dict.fromkeys(labels)}
    for s in rows:
        series[s.instrument][timezone.localtime(s.taken_at).strftime("%Y-%m-%d")] = s.score
    return {
        "labels": labels,
        "datasets": [
            {"label": "PHQ-9", "data": list(series["phq9"].values()), "kind": "line", "dots": True, "color": "#7c3aed"},
            {"label": "GAD-7", "data": list(series["gad7"].values()), "kind": "line", "dots": True, "color": "#0891b2"},
        ],
    }


__all__ = [
    "appointments_today",
    "caseload",
    "consultations_pending",
    "deadlines_overdue",
    "duty_coverage",
    "new_intakes",
    "overdue_follow_ups",
    "referrals_awaiting_feedback",
    "screening_chart",
    "Screening",
]


def workspace_panels_for(*, user) -> dict:
    """The workspace's panels, read once (the page records what they show): today's appointments, new intakes,
    overdue follow-ups, referrals waiting for feedback, missed deadlines."""
    return {
        "appointments_today": appointments_today(user=user),
        "new_intakes": list(new_intakes(user=user)),
        "overdue": list(overdue_follow_ups(user=user)),
        "referrals": list(referrals_awaiting_feedback(user=user)),
        "deadlines": deadlines_overdue(user=user),
    }


def console_panels_for(*, user) -> dict:
    """The console's panels: unassigned intakes, duty coverage, consultations pending, caseload per counselor,
    missed deadlines."""
    return {
        "new_intakes": list(new_intakes(user=user)),
        "coverage": duty_coverage(user=user),
        "consultations": list(consultations_pending(user=user)),
        "caseload": caseload(user=user),
        "deadlines": deadlines_overdue(user=user),
    }
