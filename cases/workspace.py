"""Extra reads for the counselor workspace, the supervisor console and the case page.

Each returns only what the user may see (cases.policies.visible_case_ids) and takes a fixed number of
queries whatever the data size. Rendered by the inclusion tags in cases/templatetags/workspace_panels.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from appointments.models import ACTIVE_Q, Appointment
from cases import policies
from cases.alerts.models import CrisisAlert, Notification
from cases.deadlines import COVERAGE_DAYS, overdue_rows
from cases.follow_ups.models import FollowUp
from cases.models import Case, Consultation, ReferralStatus, Stage, Tier
from cases.policies import VisibleCases
from cases.referrals.models import Referral
from cases.screenings.models import Screening
from centers.infra.lookups import IdArray, ids_any
from centers.messaging.models import OutboundMessage
from centers.messaging.services import messages_needing_attention
from centers.models import Center, User
from centers.roster.selectors import coverage_gaps
from centers.selectors import DUTY_CRISIS_TEAM, duty_gaps, on_duty

LIMIT = 30
# What a new-intake row shows (workspace_panels.html).
INTAKE_FIELDS = (
    *("id", "tier", "stage", "respond_by", "opened_at", "assigned_at", "resident", "station"),
    *("resident__full_name", "station__name"),
)
# The console lists messages that did not go out over this past week.
UNDELIVERED_SHOWN_FOR = dt.timedelta(days=7)


def appointments_today(*, user: User) -> list[Appointment]:
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


def _on_visible(user: User, visible: IdArray | None, field: str = "case_id") -> Q:
    """Rows on the cases the user may see: by the ids the page read once, or by the visibility union."""
    if visible is not None:
        return Q(ids_any(field, visible))
    return Q(**{f"{field}__in": policies.visible_case_ids(user)})


def intakes_new(*, user: User, visible: IdArray | None = None) -> QuerySet[Case]:
    """Open cases nobody has taken yet, highest risk first, then the soonest response deadline."""
    if not policies.is_case_worker(user):
        return Case.objects.none()
    seen = Q(ids_any("pk", visible)) if visible is not None else policies.case_visible_to(user)
    return (
        Case.objects.filter(assigned_at__isnull=True)
        .exclude(stage=Stage.CLOSED)
        .filter(seen)
        .select_related("resident", "station")
        .only(*INTAKE_FIELDS)
        .order_by("-tier", "respond_by", "opened_at")[:LIMIT]
    )


def follow_ups_overdue(follow_ups: Iterable[FollowUp], *, now: dt.datetime) -> list[FollowUp]:
    """The overdue panel, from the follow-ups the workspace already read (selectors.follow_ups_for_user, the
    oldest first, so every overdue one it holds comes before any that is not): the highest tier first."""
    late = [f for f in follow_ups if f.due_at < now]
    return sorted(late, key=lambda f: (-f.case.tier, f.due_at))[:LIMIT]


def referrals_awaiting_feedback(*, user: User, visible: IdArray | None = None) -> QuerySet[Referral]:
    """Referrals sent or accepted whose partner has not reported back, on cases the user works."""
    if not policies.is_case_worker(user):
        return Referral.objects.none()
    return (
        Referral.objects.filter(
            _on_visible(user, visible),
            status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
            feedback_at__isnull=True,
        )
        .select_related("case", "partner")
        .only("id", "case", "partner", "status", "sent_at", "case__tier", "partner__name")
        .order_by("-case__tier", "sent_at")[:LIMIT]
    )


def consultations_pending(*, user: User) -> QuerySet[Consultation]:
    """Expert consultations not yet answered, in the supervisor's centers."""
    centers = policies.supervised_center_ids(user)
    return (
        Consultation.objects.filter(case__center_id__in=centers, advised_at__isnull=True)
        .select_related("case", "expert")
        .order_by("-case__tier", "requested_at")[:LIMIT]
    )


def caseload(*, user: User) -> list[dict[str, Any]]:
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


def duty_coverage(*, user: User) -> list[dict[str, Any]]:
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


def deadlines_overdue(*, user: User, visible: IdArray | None = None) -> list[dict[str, Any]]:
    """Missed response times and expert reviews on open cases the user may see, oldest first (one query)."""
    if not policies.is_case_worker(user):
        return []
    now = timezone.now()
    seen = Case.objects.filter(ids_any("pk", visible) if visible is not None else policies.case_visible_to(user))
    # Each condition asked of the user's rows (an IN over every late case of the database scanned it twice).
    cases = (
        (seen.response_missed(now) | seen.review_missed(now))
        .annotate(review_missed=Exists(Case.objects.review_missed(now).filter(pk=OuterRef("pk"))))
        .select_related("station")
        .order_by("respond_by")[:LIMIT]
    )
    return overdue_rows(cases, now=now)


def screening_chart(screenings: Iterable[Screening]) -> dict[str, Any]:
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


def workspace_panels_for(
    *, user: User, follow_ups: Sequence[FollowUp], visible: VisibleCases | None = None
) -> dict[str, Any]:
    """The workspace's panels, read once (the page records what they show): today's appointments, new intakes,
    overdue follow-ups (from the page's follow-ups, no query of their own), referrals waiting for feedback,
    missed deadlines. `visible`: the user's visible cases, read once by the page."""
    return {
        "appointments_today": appointments_today(user=user),
        "new_intakes": list(intakes_new(user=user, visible=visible.open if visible else None)),
        "overdue": follow_ups_overdue(follow_ups, now=timezone.now()),
        "referrals": list(referrals_awaiting_feedback(user=user, visible=visible.all if visible else None)),
        "deadlines": deadlines_overdue(user=user, visible=visible.open if visible else None),
    }


def console_panels_for(*, user: User) -> dict[str, Any]:
    """The console's panels: unassigned intakes, duty coverage, consultations pending, caseload per counselor,
    missed deadlines, messages of the past week that did not go out."""
    return {
        "new_intakes": list(intakes_new(user=user)),
        "coverage": duty_coverage(user=user),
        "consultations": list(consultations_pending(user=user)),
        "caseload": caseload(user=user),
        "deadlines": deadlines_overdue(user=user),
        "undelivered": messages_needing_attention(
            center_ids=policies.supervised_center_ids(user), since=timezone.now() - UNDELIVERED_SHOWN_FOR
        ),
    }


def alert_deliveries(alerts: Sequence[CrisisAlert]) -> dict[int, list[OutboundMessage]]:
    """Per alert, every message that carried it beyond the workspace (email, SMS, WeCom, WeChat, and the
    fall-through rows a failure made), with its state: waiting, sent, delivered, failed, no address."""
    if not alerts:
        return {}
    by_key = dict(
        Notification.objects.filter(alert__in=alerts)
        .exclude(channel=Notification.ChannelKind.WORKSPACE)
        .values_list("pk", "alert_id")
    )
    keys = {f"notification:{pk}{suffix}": alert_id for pk, alert_id in by_key.items() for suffix in ("", ":wecom")}
    found: dict[int, list[OutboundMessage]] = {alert.pk: [] for alert in alerts}
    owner: dict[int, int] = {}
    batch = list(OutboundMessage.objects.filter(idempotency_key__in=keys).select_related("user"))
    for row in batch:
        owner[row.pk] = keys[row.idempotency_key]
    while batch:
        for row in batch:
            found[owner[row.pk]].append(row)
        batch = list(OutboundMessage.objects.filter(fallback_of__in=batch).select_related("user"))
        for row in batch:
            owner[row.pk] = owner[row.fallback_of_id]  # type: ignore[index]  # a fall-through row has its origin
    return found


def alerts_with_deliveries(alerts: Iterable[CrisisAlert]) -> list[CrisisAlert]:
    """The alerts, each with `deliveries` (alert_deliveries) for the alerts panel."""
    shown = list(alerts)
    deliveries = alert_deliveries(shown)
    for alert in shown:
        setattr(alert, "deliveries", deliveries[alert.pk])  # noqa: B010  # a display attribute, not a field
    return shown
