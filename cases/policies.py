"""Who may do what with cases. Written once; used by selectors, services, views and templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.alerts.models import CrisisAlert, Notification
from cases.follow_ups.models import FollowUp
from cases.models import Case, Consultation, Stage, Tier
from centers.community.policies import volunteer_is_cleared
from centers.infra.lookups import IdArray, InIdArray, id_in
from centers.models import Center, Role, User
from centers.policies import center_ids_for, has_role, memberships_of, supervised_center_ids

# Who a policy is asked about: a signed-in user, or the visitor of a public page.
AnyUser = User | AnonymousUser


def _counselor_scope(user: AnyUser) -> tuple[set[int], set[int]]:
    """(centers where the user counsels without a station, stations where they counsel)."""
    centers: set[int] = set()
    stations: set[int] = set()
    for m in memberships_of(user):
        if m.role == Role.COUNSELOR:
            if m.station_id:
                stations.add(m.station_id)
            else:
                centers.add(m.center_id)
    return centers, stations


def is_case_worker(user: AnyUser) -> bool:
    return has_role(user, Role.COUNSELOR, Role.SUPERVISOR)


def case_worker_center_ids(user: AnyUser) -> set[int]:
    """The centers where the user holds now an active role that works cases (counselor or supervisor).
    Access through an assignment or a crisis alert holds only there: it ends with the role."""
    return center_ids_for(user, (Role.COUNSELOR, Role.SUPERVISOR))


def _queue_q(prefix: str = "") -> Q:
    """The center's queue a counselor without a station works: open, not yet assigned, serious or high-risk."""
    return Q(**{f"{prefix}assigned_at__isnull": True, f"{prefix}tier__gte": Tier.SERIOUS}) & ~Q(
        **{f"{prefix}stage": Stage.CLOSED}
    )


def _awaiting_second_q(prefix: str = "") -> Q:
    """Open cases with a four-eyes decision waiting: a proposal to leave high-risk, or a closure to sign off."""
    return Q(**{f"{prefix}pending_tier__isnull": False}) | Q(**{f"{prefix}closure_requested_at__isnull": False})


_DEPUTY_ATTR = "_fucheng_deputy_of"


def deputy_center_ids(user: AnyUser) -> set[int]:
    """The centers that named the user their deputy for four-eyes decisions, while they hold a center-wide
    counselor or supervisor role there. Read once per request: the user object is the request's own, and a
    page asks this for every visibility rule it applies (the workspace asked eight times)."""
    named = getattr(user, _DEPUTY_ATTR, None)
    if named is None:
        named = set(Center.objects.filter(deputy_supervisor_id=user.pk).values_list("pk", flat=True))
        if user.pk is not None:
            setattr(user, _DEPUTY_ATTR, named)
    return {
        m.center_id
        for m in memberships_of(user)
        if m.center_id in named and m.station_id is None and m.role in (Role.COUNSELOR, Role.SUPERVISOR)
    }


def live_alert_q(user: AnyUser, centers: set[int], prefix: str = "") -> Q:
    """The notifications (prefix "" on Notification) through which a crisis alert still opens its case to
    the person it reached: they hold a case-working role at the case's center now, the case is still
    high-risk, and nobody else has acknowledged the alert."""
    return Q(
        **{
            f"{prefix}user": user,
            f"{prefix}alert__isnull": False,
            f"{prefix}alert__case__center_id__in": centers,
            f"{prefix}alert__case__tier": Tier.HIGH_RISK,
        }
    ) & (Q(**{f"{prefix}alert__acknowledged_at__isnull": True}) | Q(**{f"{prefix}alert__acknowledged_by": user}))


def _visibility_scope(user: AnyUser) -> tuple[set[int], set[int], set[int], set[int], set[int]]:
    """Who may open which case, in one place for the three forms of the rule (visible_case_ids,
    case_visible_to, can_view_case): (centers seen whole, stations seen, centers whose queue is seen,
    centers where assignments and alerts count, centers where consultations asked of them are seen).

    Supervisors see their center whole; a counselor their station(s); a counselor without a station the
    center's queue of unassigned serious and high-risk cases. Cases assigned to the person and crisis
    alerts that reached them count only while they hold a case-working role at that center."""
    queue_centers, stations = _counselor_scope(user)
    return (
        supervised_center_ids(user),
        stations,
        queue_centers,
        case_worker_center_ids(user),
        center_ids_for(user, [Role.EXPERT]),
    )


def _visible_branches(user: User, *, open_only: bool = False) -> list[QuerySet[Case]]:
    """The look-ups whose union is the cases the user may open (visible_case_ids), each a query of cases."""
    centers, stations, queue_centers, worker_centers, expert_centers = _visibility_scope(user)
    open_cases = Case.objects.exclude(stage=Stage.CLOSED) if open_only else Case.objects.all()
    branches: list[QuerySet[Case]] = []
    if centers:
        branches.append(open_cases.filter(center_id__in=centers))
    if stations:
        branches.append(open_cases.filter(station_id__in=stations))
    if queue_centers:
        branches.append(Case.objects.filter(_queue_q(), center_id__in=queue_centers))
    # The cases named by a link table, looked up by primary key (= ANY(ARRAY(...))): a join from the link
    # table let PostgreSQL scan every case of the database to hash it. The callers filter the stage themselves.
    if worker_centers:
        assigned = Case.counselors.through.objects.filter(user=user).values("case_id")
        branches.append(Case.objects.filter(id_in("pk", assigned), center_id__in=worker_centers))
        alerted = Notification.objects.filter(live_alert_q(user, worker_centers)).values("alert__case_id")
        branches.append(Case.objects.filter(id_in("pk", alerted)))
    if expert_centers:
        asked = Consultation.objects.filter(expert=user).values("case_id")
        branches.append(Case.objects.filter(id_in("pk", asked), center_id__in=expert_centers))
    if deputy_centers := deputy_center_ids(user):
        branches.append(Case.objects.filter(_awaiting_second_q(), center_id__in=deputy_centers))
    return branches


def _union(branches: list[QuerySet[Any, Any]], *fields: str) -> QuerySet[Any, Any]:
    first, *rest = [Case.objects.none().values(*fields), *(b.values(*fields).order_by() for b in branches)]
    combined: QuerySet[Any, Any] = first.union(*rest)
    return combined


def visible_case_ids(user: AnyUser | None, *, open_only: bool = False) -> QuerySet[Any, Any]:
    """The ids of the cases the user may open, as one UNION of indexed look-ups: by center, by station,
    by the center's queue, by assignment, by consultation, and by a crisis alert that reached the user
    (e.g. the crisis team on duty from another station) and still holds (live_alert_q).

    OR-ing those conditions over joins made PostgreSQL hash every case of the database with its
    counselors and alerts before filtering (100+ ms for a counselor on the street dataset); each branch
    here reads only its own rows. With open_only, the station and center branches leave closed cases out
    (the others may still name a closed case: callers that want open cases filter the stage too)."""
    if not isinstance(user, User):  # a visitor (AnonymousUser) or nobody
        return Case.objects.none().values("pk")
    return _union(_visible_branches(user, open_only=open_only), "pk")


@dataclass(frozen=True)
class VisibleCases:
    """The cases a person may open, read once for a page: every one (follow-ups and alerts outlive a
    closure) and the open ones (the queue, new intakes, missed deadlines)."""

    all: IdArray
    open: IdArray


def visible_case_id_list(user: AnyUser | None) -> VisibleCases | None:
    """visible_case_ids read once, for a page whose panels each filter by it: every panel then looks its rows
    up by these ids instead of building the union again. One statement; on PostgreSQL the database writes the
    two lists as text (string_agg), so no row of the ~2,500 comes back to Python one by one. The lists are as
    long as the cases of the person's stations and assignments, not the database: about 2,500 (1,000 open)
    for a station counselor on the street and district datasets alike.

    None for someone who sees a center whole (a supervisor): that list would be the center's every case, so
    their panels filter by the union itself, as callers do when they are given no list."""
    if not isinstance(user, User):
        return VisibleCases(IdArray.of([]), IdArray.of([]))
    if supervised_center_ids(user):
        return None
    union = _union(_visible_branches(user), "pk", "stage")
    if connection.vendor != "postgresql":
        rows = list(union)
        return VisibleCases(
            IdArray.of(row["pk"] for row in rows),
            IdArray.of(row["pk"] for row in rows if row["stage"] != Stage.CLOSED),
        )
    sql, params = union.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(  # the union is Django's own SQL, its values passed as parameters
            "SELECT string_agg(v.id::text, ',' ORDER BY v.id),"  # noqa: S608
            " string_agg(v.id::text, ',' ORDER BY v.id) FILTER (WHERE v.stage <> %s)"
            f" FROM ({sql}) AS v(id, stage)",
            (Stage.CLOSED, *params),
        )
        every, still_open = cursor.fetchone()
    return VisibleCases(IdArray.from_csv(every), IdArray.from_csv(still_open))


def case_visible_to(user: AnyUser | None) -> Q:
    """The same rule as visible_case_ids, asked of each case row (EXISTS on the link tables, no joins):
    for a query that starts from a few cases of its own (new intakes), where building the whole
    visible set first would cost more than the rows it filters."""
    if not isinstance(user, User):  # a visitor (AnonymousUser) or nobody
        return Q(pk__in=[])
    centers, stations, queue_centers, worker_centers, expert_centers = _visibility_scope(user)
    condition = Q(pk__in=[])
    if centers:
        condition |= Q(center_id__in=centers)
    if stations:
        condition |= Q(station_id__in=stations)
    if queue_centers:
        condition |= _queue_q() & Q(center_id__in=queue_centers)
    if worker_centers:
        condition |= Q(center_id__in=worker_centers) & Q(
            Exists(Case.counselors.through.objects.filter(case_id=OuterRef("pk"), user=user))
        )
        condition |= Q(
            Exists(Notification.objects.filter(live_alert_q(user, worker_centers), alert__case_id=OuterRef("pk")))
        )
    if expert_centers:
        condition |= Q(center_id__in=expert_centers) & Q(
            Exists(Consultation.objects.filter(case_id=OuterRef("pk"), expert=user))
        )
    if deputy_centers := deputy_center_ids(user):
        condition |= _awaiting_second_q() & Q(center_id__in=deputy_centers)
    return condition


def in_visible_cases(user: AnyUser | None, field: str = "pk", *, open_only: bool = False) -> InIdArray:
    """A filter condition: `field` (a case id) names a case the user may open (visible_case_ids), as
    `= ANY(ARRAY(…))` on PostgreSQL. For a query driven by the visible set (the case queue); beside an
    OR (alerts, follow-ups) use `case_id__in=visible_case_ids(user)`, which PostgreSQL hashes."""
    return id_in(field, visible_case_ids(user, open_only=open_only))


def _in_queue(case: Case) -> bool:
    return case.assigned_at is None and case.tier >= Tier.SERIOUS and case.stage != Stage.CLOSED


def is_counselor_of(user: AnyUser, case: Case) -> bool:
    """Is the user one of the case's counselors? Read from the case's prefetched counselors when the
    caller loaded them (the case page does, once, for every check it makes), else one EXISTS query."""
    loaded = getattr(case, "_prefetched_objects_cache", {}).get("counselors")
    if loaded is not None:
        return any(person.pk == user.pk for person in loaded)
    return user.pk is not None and case.counselors.filter(pk=user.pk).exists()


def can_view_case(user: AnyUser, case: Case) -> bool:
    if not isinstance(user, User):  # a visitor
        return False
    centers, stations, queue_centers, worker_centers, expert_centers = _visibility_scope(user)
    if case.center_id in centers:
        return True
    if case.station_id and case.station_id in stations:
        return True
    if case.center_id in queue_centers and _in_queue(case):
        return True
    if case.center_id in worker_centers and (is_counselor_of(user, case) or alert_recipient(user, case)):
        return True
    if _awaits_second_person(case) and is_deputy_of(user, case.center):
        return True
    return case.center_id in expert_centers and case.consultations.filter(expert=user).exists()


def _awaits_second_person(case: Case) -> bool:
    return case.pending_tier is not None or case.closure_requested_at is not None


def alert_recipient(user: AnyUser, case: Case) -> bool:
    """A crisis alert on the case reached the user and still opens it to them (live_alert_q)."""
    centers = case_worker_center_ids(user)
    if case.center_id not in centers:
        return False
    return Notification.objects.filter(live_alert_q(user, centers), alert__case=case).exists()


def can_work_case(user: AnyUser, case: Case) -> bool:
    """Counselors in scope, supervisors and whoever a crisis alert reached change a case; experts only
    advise. Every way in needs a case-working role held now at the case's center."""
    if case.center_id in supervised_center_ids(user):
        return True
    queue_centers, stations = _counselor_scope(user)
    if case.station_id and case.station_id in stations:
        return True
    if case.center_id in queue_centers and _in_queue(case):
        return True
    if not has_role(user, Role.COUNSELOR, center_id=case.center_id):
        return False
    return is_counselor_of(user, case) or alert_recipient(user, case)  # the questions that need the database


def can_read_notes(user: AnyUser, case: Case) -> bool:
    """Notes: the case's own counselors and the center's supervisor, nobody else."""
    if case.center_id in supervised_center_ids(user):
        return True
    return has_role(user, Role.COUNSELOR, center_id=case.center_id) and is_counselor_of(user, case)


def can_supervise(user: AnyUser, case: Case) -> bool:
    return case.center_id in supervised_center_ids(user)


def can_take_follow_up(user: AnyUser, case: Case) -> bool:
    """May this person be given (and do) a follow-up of this case? Counselors in scope, or a volunteer
    of the case's station or service group whose training is current (ARCHITECTURE: only trained
    volunteers are given tasks)."""
    if can_work_case(user, case):
        return True
    if not volunteer_is_cleared(user, center=case.center):
        return False
    for m in memberships_of(user):
        if m.role != Role.VOLUNTEER or m.center_id != case.center_id:
            continue
        if m.station_id is None or m.station_id == case.station_id:
            return True
    group = case.service_group if case.service_group_id else None
    if group is not None and user.pk is not None and has_role(user, Role.VOLUNTEER, center_id=case.center_id):
        return group.members.filter(pk=user.pk).exists()
    return False


def can_do_follow_up(user: AnyUser, follow_up: FollowUp) -> bool:
    """The person the follow-up was given to, while they hold a role at the case's center that may do
    follow-ups (volunteer, counselor, supervisor); or whoever works the case."""
    if follow_up.assigned_to_id == user.pk and has_role(
        user, Role.VOLUNTEER, Role.COUNSELOR, Role.SUPERVISOR, center_id=follow_up.center_id
    ):
        return True
    return can_work_case(user, follow_up.case)


def can_acknowledge_alert(user: AnyUser, alert: CrisisAlert) -> bool:
    """Anyone the alert went to, or who works the case, may acknowledge it."""
    return can_work_case(user, alert.case)


def can_advise(user: AnyUser, consultation: Consultation) -> bool:
    """The expert asked, while they hold the expert role at the case's center."""
    return consultation.expert_id == user.pk and has_role(user, Role.EXPERT, center_id=consultation.case.center_id)


def is_deputy_of(user: AnyUser, center: Center) -> bool:
    """The center's named deputy for four-eyes decisions, while they still hold a center-wide counselor or
    supervisor role there (a withdrawn role ends the deputyship without anyone editing the center)."""
    if not getattr(user, "is_authenticated", False) or center.deputy_supervisor_id != user.pk:
        return False
    return any(
        m.center_id == center.pk and m.station_id is None and m.role in (Role.COUNSELOR, Role.SUPERVISOR)
        for m in memberships_of(user)
    )


def can_work_or_second_sign(user: AnyUser, case: Case) -> bool:
    """May act on the case's four-eyes decision page: those who work the case, and the center's deputy."""
    return can_work_case(user, case) or (_awaits_second_person(case) and is_deputy_of(user, case.center))


def can_second_sign(user: AnyUser, case: Case, *, first_person_id: int | None) -> bool:
    """Four eyes: a supervisor of the case's center (or its deputy) who is not the person who proposed or
    closed. Leaving high-risk and signing off a once-high-risk closure both need this second person."""
    if not getattr(user, "is_authenticated", False) or user.pk == first_person_id:
        return False
    return can_supervise(user, case) or is_deputy_of(user, case.center)


# --- Staff intake stays in scope (issue 25, item 3) ---------------------------------------------------------


def intake_station_ids(user: AnyUser, center_id: int) -> set[int] | None:
    """The stations whose people a staff member takes in at a center: None for the whole center (its supervisors,
    and counselors without a station: the hotline and the crisis team answer for everyone), else the stations
    where they counsel."""
    for m in memberships_of(user):
        if m.center_id == center_id and (
            m.role == Role.SUPERVISOR or (m.role == Role.COUNSELOR and m.station_id is None)
        ):
            return None
    return {
        m.station_id
        for m in memberships_of(user)
        if m.center_id == center_id and m.role == Role.COUNSELOR and m.station_id is not None
    }


def in_intake_scope(user: AnyUser, resident: Any) -> bool:
    """Intake may use this existing record: the person belongs to a station the staff member takes in for, and
    every case intake could touch (the open one, else the last closed one, which a risk signal reopens) is a
    case they may open. Anything else is passed to the responsible station without a word about it."""
    stations = intake_station_ids(user, resident.center_id)
    if stations is not None and resident.station_id not in stations:
        return False
    open_case = Case.objects.open().filter(resident_id=resident.pk, center_id=resident.center_id).first()
    case = open_case or (
        Case.objects.filter(resident_id=resident.pk, center_id=resident.center_id, stage=Stage.CLOSED)
        .order_by("-closed_at")
        .first()
    )
    return case is None or can_view_case(user, case)


def station_request_q(user: AnyUser) -> Q:
    """The passed-on contacts a staff member takes up: those for the stations where they counsel, and, for the
    center's supervisors and counselors without a station, every one of the center."""
    whole = {m.center_id for m in memberships_of(user) if intake_station_ids(user, m.center_id) is None}
    stations = {m.station_id for m in memberships_of(user) if m.role == Role.COUNSELOR and m.station_id is not None}
    return Q(center_id__in=whole) | Q(station_id__in=stations)
