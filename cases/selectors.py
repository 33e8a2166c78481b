"""Reads of cases, each scoped to the acting user. Opening a case or its notes writes an audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases import policies
from cases.alerts.models import CallbackRequest, CrisisAlert, Notification
from cases.early_warning.models import WeeklyRiskSummary
from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, CaseNote, Consultation, Reassessment, ReferralStatus, Stage, Tier
from cases.policies import AnyUser
from cases.referrals.models import Referral, StationRequest
from cases.screenings.models import Screening
from centers.audit.log import AuditEntry, audit_record, audit_record_many
from centers.audit.models import AuditOutcome
from centers.infra.lookups import IdArray, ids_any
from centers.models import (
    NAME_FIELDS,
    USER_UNSHOWN,
    Center,
    PartnerInstitution,
    Resident,
    Role,
    ServiceGroup,
    Station,
    User,
    user_unshown,
)
from centers.policies import center_ids_for, has_role, resident_of

# What a row of the case queue shows (cases/partials/case_rows.html): a page of rows reads no other column.
QUEUE_FIELDS = (
    *("id", "center", "station", "resident", "tier", "stage"),
    *("opened_at", "respond_by", "assigned_at", "first_contact_at"),
)
# What the workspace's follow-up rows and its overdue panel show (followup_rows.html, workspace_panels.html).
FOLLOW_UP_FIELDS = (
    *("id", "case", "center", "kind", "due_at", "assigned_to", "done_at", "cancelled_at"),
    *("case__tier", "case__resident", "case__resident__full_name"),
    *(f"assigned_to__{name}" for name in NAME_FIELDS),
)


def _open_alert_exists() -> Exists:
    return Exists(CrisisAlert.objects.filter(case=OuterRef("pk"), acknowledged_at__isnull=True))


def case_list(
    *,
    user: User,
    tier: int | None = None,
    stage: str | None = None,
    scope: str = "all",
    include_closed: bool = False,
    query: str = "",
    visible: IdArray | None = None,
) -> QuerySet[Case]:
    """The user's queue: open alerts first, then by tier, then by the response deadline. `visible` is the
    user's visible case ids when the page already read them (policies.visible_case_id_list)."""
    if not policies.is_case_worker(user):
        return Case.objects.none()
    if visible is not None:
        cases = Case.objects.filter(ids_any("pk", visible))
    else:
        cases = Case.objects.filter(policies.in_visible_cases(user, open_only=not (stage or include_closed)))
    if scope == "mine":
        cases = cases.filter(counselors=user)
    elif scope == "unassigned":
        cases = cases.filter(assigned_at__isnull=True)
    query = (query or "").strip()
    if query:
        cases = cases.filter(Q(resident__phone=query) | Q(resident__full_name__icontains=query))
    if tier:
        cases = cases.filter(tier=tier)
    if stage:
        cases = cases.filter(stage=stage)
    elif not include_closed:
        cases = cases.exclude(stage=Stage.CLOSED)
    # The resident, station and group are fetched for the page's rows only (prefetch), not joined to
    # every visible case before the queue is sorted and cut.
    return (
        cases.only(*QUEUE_FIELDS)
        .prefetch_related(
            Prefetch("resident", queryset=Resident.objects.only("pk", "full_name", "phone")),
            "station",
            Prefetch("counselors", queryset=User.objects.only(*NAME_FIELDS).order_by("pk")),
        )
        .annotate(has_open_alert=_open_alert_exists())
        .order_by("-has_open_alert", "-tier", "respond_by", "-opened_at")
    )


def case_open_for(*, user: User, pk: int, action: str = "case.read") -> Case:
    """One case the user may see, or 404; either way the attempt is in the audit log.

    Not wrapped in its own transaction: the denied row must survive the 404 (the request's
    transaction, if any, is the caller's)."""
    case = _case_visible_or_404(user=user, pk=pk, action=action)
    audit_record(actor=user, action=action, obj=case, object_type="cases.case")
    return case


def case_page_for(*, user: User, pk: int) -> tuple[Case, list[CaseNote] | None]:
    """The case page's reads: the case (or 404, as case_open_for) and its notes for those who may read them
    (None for the others, who are not shown the notes section). Both reads go into the audit log in one
    write: one transaction and one turn of the chain's lock, where two would hold it twice per page."""
    case = _case_visible_or_404(user=user, pk=pk, action="case.read")
    entries = [_read_entry("case.read", case)]
    notes = None
    if policies.can_read_notes(user, case):
        notes = _notes_of(case)
        entries.append(_read_entry("case.notes_read", case, detail={"count": len(notes)}))
    audit_record_many(entries, actor=user)
    return case, notes


def _case_visible_or_404(*, user: User, pk: int, action: str) -> Case:
    """The case with what every permission check reads (its counselors), or a denied audit row and a 404."""
    case = (
        Case.objects.filter(pk=pk)
        .select_related("resident", "station", "center", "service_group", "pending_tier_by")
        .defer(*user_unshown("pending_tier_by"))
        .prefetch_related(  # every check reads it
            Prefetch("counselors", queryset=User.objects.defer(*USER_UNSHOWN).order_by("pk"))
        )
        .first()
    )
    if case is None or not policies.can_view_case(user, case):
        audit_record(
            actor=user,
            action=action,
            object_type="cases.case",
            object_id=pk,
            outcome=AuditOutcome.DENIED,
            center_id=case.center_id if case else None,
            station_id=case.station_id if case else None,
        )
        raise Http404
    return case


def _read_entry(action: str, case: Case, detail: dict[str, Any] | None = None) -> AuditEntry:
    return AuditEntry(
        action=action,
        object_type="cases.case",
        object_id=case.pk,
        center_id=case.center_id,
        station_id=case.station_id,
        detail=detail,
    )


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").defer(*user_unshown("actor")).order_by("-at", "-pk")


@transaction.atomic
def case_notes(*, user: User, case: Case) -> list[CaseNote]:
    """Notes for the case's counselors and the supervisor; anyone else gets none (and a denied audit row)."""
    if not policies.can_read_notes(user, case):
        audit_record(
            actor=user, action="case.notes_read", obj=case, object_type="cases.case", outcome=AuditOutcome.DENIED
        )
        return []
    notes = _notes_of(case)
    audit_record(actor=user, action="case.notes_read", obj=case, object_type="cases.case", detail={"count": len(notes)})
    return notes


def _notes_of(case: Case) -> list[CaseNote]:
    """The case's notes, newest first (callers check can_read_notes and log the read)."""
    return list(case.notes.select_related("author").defer(*user_unshown("author")).order_by("-created_at"))


def case_alerts(*, case: Case) -> QuerySet[CrisisAlert]:
    return (
        case.alerts.select_related("acknowledged_by", "first_contact_by")
        .prefetch_related("requests")
        .order_by("-raised_at")
    )


def visitor_callback_centers() -> QuerySet[Center]:
    """The centers a visitor without an account may ask to be called back by (public: names only)."""
    return Center.objects.order_by("pk").only("pk", "name")


def my_callback_requests(*, user: AnyUser, now: dt.datetime | None = None) -> list[CallbackRequest]:
    """The signed-in person's own callback requests (and their children's) of the last day that nobody
    has called back on yet, oldest first, so the help page can say what happens next."""
    me = resident_of(user)
    if me is None:
        return []
    now = now or timezone.now()
    return list(
        CallbackRequest.objects.filter(
            Q(alert__case__resident=me) | Q(alert__case__resident__guardian=me),
            alert__first_contact_at__isnull=True,
            requested_at__gte=now - dt.timedelta(hours=24),
        )
        .select_related("alert")
        .order_by("requested_at", "pk")
    )


def case_referrals(*, case: Case) -> QuerySet[Referral]:
    return case.referrals.select_related("partner", "sent_by").order_by("-sent_at")


def case_follow_ups(*, case: Case) -> QuerySet[FollowUp]:
    return case.follow_ups.select_related("assigned_to", "done_by").order_by("-due_at")


def case_consultations(*, user: User, case: Case) -> QuerySet[Consultation]:
    rows = case.consultations.select_related("expert", "requested_by").order_by("-requested_at")
    if not policies.can_work_case(user, case):
        rows = rows.filter(expert=user)  # an expert sees their own consultations on the case
    return rows


def case_screenings(*, case: Case) -> QuerySet[Screening]:
    return case.screenings.select_related("entered_by").order_by("-taken_at")


def case_reassessments(*, case: Case) -> QuerySet[Reassessment]:
    return case.reassessments.select_related("by", "screening").order_by("-at")


def partners_for_case(*, case: Case) -> QuerySet[PartnerInstitution]:
    return PartnerInstitution.objects.filter(center=case.center, is_active=True).order_by("kind", "name")


def counselors_for_case(*, case: Case) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__center=case.center,
            memberships__role=Role.COUNSELOR,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def experts_for_case(*, case: Case) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__center=case.center, memberships__role=Role.EXPERT, memberships__is_active=True, is_active=True
        )
        .distinct()
        .order_by("display_name")
    )


def follow_up_assignees(*, case: Case) -> list[User]:
    """Counselors and volunteers who may take this case's follow-ups (by the policy)."""
    people = (
        User.objects.filter(
            memberships__center=case.center,
            memberships__role__in=[Role.COUNSELOR, Role.VOLUNTEER],
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "pk")
    )
    return [person for person in people if policies.can_take_follow_up(person, case)]


def alerts_for_user(*, user: User, visible: IdArray | None = None) -> QuerySet[CrisisAlert]:
    """Open crisis alerts that reached the user, or on cases they work (`visible`: as case_list)."""
    if not policies.is_case_worker(user):
        return CrisisAlert.objects.none()
    reached = Notification.objects.filter(
        policies.live_alert_q(user, policies.case_worker_center_ids(user)), alert=OuterRef("pk")
    )
    on_visible = ids_any("case_id", visible) if visible is not None else Q(case_id__in=policies.visible_case_ids(user))
    return (
        CrisisAlert.objects.filter(acknowledged_at__isnull=True)
        .filter(Q(Exists(reached)) | Q(on_visible))
        .select_related("case", "station")
        .prefetch_related("requests")
        .order_by("raised_at")
    )


def alerts_latest(*, user: User) -> dict[str, int]:
    """What an open workspace polls every few seconds, in one query over the open alerts that reached the user:
    the newest alert, the newest callback request on them, and how many are open. Any change means the panel
    is out of date; a higher alert or request number means something new arrived."""
    found = (
        alerts_for_user(user=user)
        .order_by()
        .aggregate(alert=Max("pk"), request=Max("requests__pk"), open=Count("pk", distinct=True))
    )
    return {key: found[key] or 0 for key in ("alert", "request", "open")}


def alert_for_user(*, user: User, pk: int) -> CrisisAlert:
    alert = CrisisAlert.objects.select_related("case", "center").filter(pk=pk).first()
    if alert is None or not policies.can_acknowledge_alert(user, alert):
        raise Http404
    return alert


def _follow_up_center_ids(user: User) -> set[int]:
    """The centers where follow-ups given to the user are still theirs (policies.can_do_follow_up)."""
    return center_ids_for(user, [Role.VOLUNTEER, Role.COUNSELOR, Role.SUPERVISOR])


def follow_ups_for_user(*, user: User, due_within_days: int = 7, visible: IdArray | None = None) -> QuerySet[FollowUp]:
    """Open follow-ups assigned to the user or on cases they work, due soon or overdue, the oldest first
    (`visible`: as case_list). Each row carries its case's tier, which the overdue panel sorts by."""
    horizon = timezone.now() + dt.timedelta(days=due_within_days)
    if not policies.is_case_worker(user):
        on_visible = Q(pk__in=[])
    elif visible is not None:
        on_visible = Q(ids_any("case_id", visible))
    else:
        on_visible = Q(case_id__in=policies.visible_case_ids(user))
    return (
        FollowUp.objects.open()
        .filter(Q(assigned_to=user, center_id__in=_follow_up_center_ids(user)) | on_visible)
        .filter(due_at__lte=horizon)
        .select_related("case__resident", "assigned_to")
        .only(*FOLLOW_UP_FIELDS)
        .order_by("due_at", "pk")
    )


def volunteer_tasks(*, user: User) -> QuerySet[FollowUp]:
    """A volunteer's follow-ups: contact data of the task, nothing clinical."""
    return (
        FollowUp.objects.open()
        .filter(assigned_to=user, center_id__in=_follow_up_center_ids(user))
        .select_related("case__resident", "station")
        .only(
            "pk",
            "due_at",
            "done_at",
            "cancelled_at",
            "kind",
            "station__name",
            "case__id",
            "case__resident__id",
            "case__resident__full_name",
            "case__resident__phone",
        )
        .order_by("due_at")
    )


def follow_up_for_user(*, user: User, pk: int) -> FollowUp:
    follow_up = FollowUp.objects.select_related("case", "case__resident").filter(pk=pk).first()
    if follow_up is None or not policies.can_do_follow_up(user, follow_up):
        raise Http404
    audit_record(
        actor=user, action="followup.read", obj=follow_up.case, object_type="cases.case", detail={"follow_up": pk}
    )
    return follow_up


def referral_for_user(*, user: User, pk: int) -> Referral:
    referral = Referral.objects.select_related("case", "partner").filter(pk=pk).first()
    if referral is None or not policies.can_work_case(user, referral.case):
        raise Http404
    audit_record(
        actor=user, action="referral.read", obj=referral.case, object_type="cases.case", detail={"referral": pk}
    )
    return referral


def consultations_for_expert(*, user: User) -> QuerySet[Consultation]:
    if not has_role(user, Role.EXPERT):
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(expert=user, case__center_id__in=center_ids_for(user, [Role.EXPERT]))
        .select_related("case", "requested_by")
        .order_by("advised_at", "-requested_at")
    )


def consultation_for_user(*, user: User, pk: int) -> Consultation:
    consultation = Consultation.objects.select_related("case").filter(pk=pk).first()
    if consultation is None or not policies.can_advise(user, consultation):
        raise Http404
    return consultation


def resident_by_phone(*, center: Center, phone: str) -> Resident | None:
    """The registered person of a center with this mobile number (staff intake looks people up by it)."""
    if not phone:
        return None
    return Resident.objects.filter(center=center, phone=phone, anonymised_at__isnull=True).order_by("pk").first()


def groups_for_case(*, case: Case) -> QuerySet[ServiceGroup]:
    return ServiceGroup.objects.filter(center=case.center, is_active=True).order_by("name")


def expert_review_overdue(*, case: Case) -> bool:
    """Serious: expert review within 72 h; high-risk: a consultation requested within 24 h."""
    return bool(
        case.is_open
        and case.tier >= Tier.SERIOUS
        and case.expert_review_by
        and case.expert_review_by < timezone.now()
        and not case.consultations.exists()
    )


def cases_missing_expert_review(*, user: User) -> QuerySet[Case]:
    """The center's serious and high-risk cases past their expert-review time with no consultation asked."""
    return (
        Case.objects.review_missed(timezone.now())
        .filter(center_id__in=policies.supervised_center_ids(user))
        .select_related("station")
        .order_by("expert_review_by")
    )


def cases_awaiting_supervisor(*, user: User) -> QuerySet[Case]:
    """Closures to sign off and lower tiers to confirm, for the center's supervisor."""
    centers = policies.supervised_center_ids(user)
    return (
        Case.objects.filter(center_id__in=centers)
        .exclude(stage=Stage.CLOSED)
        .filter(Q(closure_requested_at__isnull=False) | Q(pending_tier__isnull=False))
        .select_related("station")
        .order_by("updated_at")
    )


def second_signers(*, case: Case, first_person_id: int | None) -> list[User]:
    """Who may give the second signature on a case (policies.can_second_sign): the center's active supervisors
    and its deputy, without the person who proposed or closed. Named in refusals and on the case page."""
    center = case.center
    people = list(
        User.objects.filter(
            memberships__center=center,
            memberships__role=Role.SUPERVISOR,
            memberships__is_active=True,
            is_active=True,
        )
        .exclude(Q(pk=first_person_id))
        .distinct()
        .order_by("pk")
    )
    if center.deputy_supervisor_id and center.deputy_supervisor_id != first_person_id:
        deputy = (
            User.objects.filter(
                pk=center.deputy_supervisor_id,
                is_active=True,
                memberships__center=center,
                memberships__station__isnull=True,
                memberships__role__in=[Role.COUNSELOR, Role.SUPERVISOR],
                memberships__is_active=True,
            )
            .distinct()
            .first()
        )
        if deputy is not None and all(p.pk != deputy.pk for p in people):
            people.append(deputy)
    return people


def screenings_of_resident(*, user: AnyUser) -> QuerySet[Screening]:
    """A resident's own self-checks (and their wards'); never other people's."""
    me = resident_of(user)
    if me is None:
        return Screening.objects.none()
    return (
        Screening.objects.filter(Q(resident=me) | Q(resident__guardian=me))
        .select_related("resident")
        .order_by("-taken_at")
    )


def screening_of_resident(*, user: AnyUser, pk: int) -> Screening:
    screening = screenings_of_resident(user=user).filter(pk=pk).first()
    if screening is None:
        raise Http404
    return screening


def screening_subjects(*, user: AnyUser) -> list[Resident]:
    """Whom a signed-in resident may take a self-check for: themselves and their wards."""
    me = resident_of(user)
    if me is None:
        return []
    return [me, *Resident.objects.filter(guardian=me, anonymised_at__isnull=True).order_by("full_name")]


def weekly_series(*, station_ids: Iterable[int], start: dt.date, end: dt.date) -> QuerySet[WeeklyRiskSummary]:
    """The early-warning series rows that dashboards read (aggregates only, no people)."""
    return WeeklyRiskSummary.objects.filter(
        station_id__in=station_ids, week_start__gte=start, week_start__lt=end
    ).order_by("station_id", "week_start")


def early_warning_series(*, user: User, weeks: int = 12) -> QuerySet[WeeklyRiskSummary]:
    """The last `weeks` weeks of the series for the centers where the user is an official or supervisor.

    Aggregates only (no people); the dashboard shows counts under 5 as "<5" (ARCHITECTURE.md section 5).
    """
    centers = center_ids_for(user, [Role.OFFICIAL, Role.SUPERVISOR])
    start = timezone.localdate() - dt.timedelta(weeks=weeks)
    return (
        WeeklyRiskSummary.objects.filter(center_id__in=centers, week_start__gte=start)
        .select_related("station")
        .order_by("station__code", "week_start")
    )


def station_figures(*, station: Station, start: dt.date, end: dt.date) -> dict[str, float | int | None]:
    """Figures for a station's evaluation over [start, end): the `station_figures` hook."""
    tz = timezone.get_current_timezone()
    if isinstance(start, dt.date) and not isinstance(start, dt.datetime):
        start = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    if isinstance(end, dt.date) and not isinstance(end, dt.datetime):
        end = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    alerts = list(
        CrisisAlert.objects.filter(station=station, raised_at__gte=start, raised_at__lt=end).select_related("center")
    )
    in_time = sum(1 for a in alerts if a.acknowledged_in_time)
    follow_ups = FollowUp.objects.filter(station=station, due_at__gte=start, due_at__lt=end, cancelled_at__isnull=True)
    due = follow_ups.count()
    on_time = sum(
        f.done_at is not None and f.done_at <= f.due_at + dt.timedelta(days=1)
        for f in follow_ups.filter(done_at__isnull=False).only("due_at", "done_at")
    )
    referrals = Referral.objects.filter(case__station=station, sent_at__gte=start, sent_at__lt=end)
    opened = dict(
        Case.objects.filter(station=station, opened_at__gte=start, opened_at__lt=end)
        .values_list("opened_tier")
        .annotate(n=Count("pk"))
        .values_list("opened_tier", "n")
    )
    return {
        "crisis_alerts": len(alerts),
        "crisis_alerts_acknowledged_in_time_share": round(in_time / len(alerts), 3) if alerts else None,
        "follow_ups_due": due,
        "follow_ups_done_on_time": on_time,
        "referrals_sent": referrals.count(),
        "referrals_completed": referrals.filter(status=ReferralStatus.COMPLETED).count(),
        "cases_opened_general": opened.get(Tier.GENERAL, 0),
        "cases_opened_serious": opened.get(Tier.SERIOUS, 0),
        "cases_opened_high_risk": opened.get(Tier.HIGH_RISK, 0),
    }


def station_requests_waiting(*, user: User) -> QuerySet[StationRequest]:
    """The contacts passed to the user's station(s) (or, for the center-wide, their centers) not yet taken up."""
    return (
        StationRequest.objects.filter(policies.station_request_q(user), taken_up_at__isnull=True)
        .select_related("station", "resident", "requested_by")
        .order_by("requested_at", "pk")
    )
