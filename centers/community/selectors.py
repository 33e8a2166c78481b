"""Reads on the community side, scoped to the acting user; plus the figures the station evaluations read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from centers import hooks
from centers.community.models import (
    Attendance,
    DutyStatus,
    RegistrationStatus,
    TrainingRecord,
    TrainingSession,
    VolunteerTask,
    Workshop,
    WorkshopRegistration,
)
from centers.community.policies import (
    CommunityScope,
    Person,
    group_scope,
    volunteer_is_cleared,
    volunteer_scope,
    workshop_scope,
)
from centers.models import Center, Membership, Resident, Role, ServiceGroup, Station, User
from centers.policies import resident_of

ZERO = Decimal("0")
REMINDER_HOURS = 24  # a confirmed place is reminded of once, within a day of the workshop


def _with_counts(workshops: QuerySet[Workshop]) -> QuerySet[Workshop]:
    return workshops.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
        waitlist_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        attended_count=Count("registrations", filter=Q(registrations__attendance=Attendance.ATTENDED)),
    ).select_related("station", "center")


# --- Workshops: residents -------------------------------------------------------------------


def workshop_list_public(*, center: Center | None = None, station: Station | None = None) -> QuerySet[Workshop]:
    """Upcoming, not cancelled workshops anyone may see, with places taken and the waiting list's length."""
    workshops = Workshop.objects.filter(is_cancelled=False, starts_at__gt=timezone.now())
    if center is not None:
        workshops = workshops.filter(center=center)
    if station is not None:
        workshops = workshops.filter(station=station)
    return _with_counts(workshops).order_by("starts_at", "pk")


def workshop_public_get(*, pk: int) -> Workshop | None:
    """One workshop as the public sees it (cancelled ones too, so a link in an SMS still explains)."""
    return _with_counts(Workshop.objects.filter(pk=pk)).first()


def registrants_for_user(*, user: Person) -> list[Resident]:
    """Whom a signed-in resident may register: themselves and the children in their care."""
    me: Resident | None = resident_of(user)
    if me is None or me.anonymised_at is not None:
        return []
    wards = list(Resident.objects.filter(guardian=me, anonymised_at__isnull=True).order_by("full_name"))
    return [me, *wards]


def registrations_for_user(*, user: Person) -> QuerySet[WorkshopRegistration]:
    """A resident's own registrations and their children's, newest workshop first."""
    me: Resident | None = resident_of(user)
    if me is None:
        return WorkshopRegistration.objects.none()
    return (
        WorkshopRegistration.objects.filter(Q(resident=me) | Q(resident__guardian=me))
        .select_related("workshop__station", "workshop__center", "resident")
        .order_by("-workshop__starts_at", "pk")
    )


def registrations_for_user_at(*, user: Person, workshop: Workshop) -> QuerySet[WorkshopRegistration]:
    """The places (and waiting-list places) the resident and their children hold at one workshop."""
    return registrations_for_user(user=user).filter(workshop=workshop).exclude(status=RegistrationStatus.CANCELLED)


def registration_for_user(*, user: Person, pk: int) -> WorkshopRegistration | None:
    """One of the resident's (or their children's) registrations by its id; None means 404."""
    return registrations_for_user(user=user).filter(pk=pk).first()


def with_waitlist_positions(registrations: list[WorkshopRegistration]) -> list[WorkshopRegistration]:
    """Set `.position` (1-based place in the queue, or None) on each registration, in one query."""
    workshop_ids = {r.workshop_id for r in registrations if r.status == RegistrationStatus.WAITLISTED}
    queue: dict[int, list[int]] = {}
    for pk, workshop_id in (
        WorkshopRegistration.objects.filter(workshop_id__in=workshop_ids, status=RegistrationStatus.WAITLISTED)
        .order_by("registered_at", "pk")
        .values_list("pk", "workshop_id")
    ):
        queue.setdefault(workshop_id, []).append(pk)
    for registration in registrations:
        waiting = queue.get(registration.workshop_id, [])
        registration.position = (
            waiting.index(registration.pk) + 1
            if registration.status == RegistrationStatus.WAITLISTED and registration.pk in waiting
            else None
        )
    return registrations


def waitlist_position(registration: WorkshopRegistration) -> int | None:
    """The registration's place in its workshop's waiting list (1 is next), or None when it has a place."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = WorkshopRegistration.objects.filter(
        workshop_id=registration.workshop_id, status=RegistrationStatus.WAITLISTED
    ).filter(
        Q(registered_at__lt=registration.registered_at)
        | Q(registered_at=registration.registered_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


# --- Workshops: staff ---------------------------------------------------------------------


def workshops_for_staff(*, user: Person, past: bool = False) -> QuerySet[Workshop]:
    """Workshops the user runs: upcoming (soonest first) or past (latest first)."""
    now = timezone.now()
    workshops = Workshop.objects.filter(workshop_scope(user).q())
    if past:
        workshops = workshops.filter(starts_at__lte=now).order_by("-starts_at", "pk")
    else:
        workshops = workshops.filter(starts_at__gt=now).order_by("starts_at", "pk")
    return _with_counts(workshops)


def workshop_for_staff(*, user: Person, pk: int) -> Workshop | None:
    """One workshop the user runs (by its id); None means 404."""
    return _with_counts(Workshop.objects.filter(workshop_scope(user).q(), pk=pk)).first()


def workshop_registrations(*, workshop: Workshop) -> QuerySet[WorkshopRegistration]:
    """Everyone registered for a workshop the caller has already fetched through a scoped selector."""
    return workshop.registrations.select_related("resident__guardian").order_by("status", "registered_at", "pk")


def resident_by_phone_for_workshop(*, workshop: Workshop, phone: str) -> Resident | None:
    """The resident of the workshop's center with this mobile number (for staff taking a phone registration)."""
    return (
        Resident.objects.filter(center_id=workshop.center_id, phone=phone, anonymised_at__isnull=True)
        .order_by("pk")
        .first()
    )


def workshop_duties(*, workshop: Workshop) -> QuerySet[VolunteerTask]:
    """Volunteers' duties at the workshop, withdrawn ones left out."""
    return workshop.duties.exclude(status=DutyStatus.CANCELLED).select_related("volunteer").order_by("pk")


def workshop_promotions_due() -> list[int]:
    """Registrations moved up from the waiting list whose SMS has not gone out yet."""
    return list(
        WorkshopRegistration.objects.filter(promoted_at__isnull=False, notified_at__isnull=True)
        .order_by("promoted_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


def workshop_reminders_due(*, now: dt.datetime | None = None) -> list[int]:
    """Confirmed places at workshops starting within a day whose reminder has not gone out."""
    now = now or timezone.now()
    return list(
        WorkshopRegistration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            reminded_at__isnull=True,
            workshop__is_cancelled=False,
            workshop__starts_at__gt=now,
            workshop__starts_at__lte=now + dt.timedelta(hours=REMINDER_HOURS),
        )
        .order_by("workshop__starts_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


# --- Stations and centers a staff member acts at ------------------------------------------------


def stations_in_scope(*, scope: CommunityScope) -> QuerySet[Station]:
    """The active stations a staff member may choose on a form (whole centers' stations and their own)."""
    return Station.objects.filter(
        Q(center_id__in=scope.center_ids) | Q(pk__in=scope.station_ids), is_active=True
    ).order_by("center_id", "code")


def center_in_scope(*, scope: CommunityScope, station: Station | None) -> Center | None:
    """The center a new row belongs to: the station's, else the first center the staff member acts at."""
    if station is not None:
        return station.center
    ids = sorted(scope.center_ids | scope.premises_center_ids)
    return Center.objects.get(pk=ids[0]) if ids else None


# --- Volunteers -------------------------------------------------------------------------------


def _clearance_until(center_field: str = "center_id") -> Subquery:
    today = timezone.localdate()
    return Subquery(
        TrainingRecord.objects.filter(
            user_id=OuterRef("user_id"), center_id=OuterRef(center_field), completed_on__lte=today
        )
        .order_by()
        .values("user_id")
        .annotate(until=Max("certificate_expires_on"))
        .values("until")[:1]
    )


def volunteers_for_staff(*, user: Person) -> QuerySet[Membership]:
    """Volunteer memberships the user manages, with the date their training is current until."""
    return (
        Membership.objects.filter(volunteer_scope(user).q(), role=Role.VOLUNTEER, is_active=True)
        .select_related("user", "station", "center")
        .annotate(cleared_until=_clearance_until())
        .order_by("station__code", "user__display_name", "pk")
    )


def volunteer_for_staff(*, user: Person, pk: int) -> Membership | None:
    """One volunteer membership (by its id) in the user's scope; None means 404."""
    return volunteers_for_staff(user=user).filter(pk=pk).first()


def volunteer_membership_for_staff(*, user: Person, volunteer: User, center: Center) -> Membership | None:
    """The volunteer's active membership in the center, if the user manages it there; None otherwise."""
    scope = volunteer_scope(user)
    for membership in Membership.objects.filter(user=volunteer, center=center, role=Role.VOLUNTEER, is_active=True):
        if scope.covers(membership.center_id, membership.station_id):
            return membership
    return None


def volunteer_task_for_staff(*, user: Person, pk: int) -> VolunteerTask | None:
    """One task of a volunteer the user manages (by its id); None means 404."""
    return (
        VolunteerTask.objects.filter(pk=pk, volunteer_id__in=volunteers_for_staff(user=user).values("user_id"))
        .select_related("center", "volunteer")
        .first()
    )


def cleared_volunteers(
    *, center: Center, station: Station | None = None, at: dt.datetime | None = None
) -> QuerySet[User]:
    """Active volunteers of a center (at a station, if given) whose training is current: who may be given tasks."""
    day = timezone.localdate(at) if at is not None else timezone.localdate()
    memberships = Membership.objects.filter(center=center, role=Role.VOLUNTEER, is_active=True)
    if station is not None:
        memberships = memberships.filter(station=station)
    current = TrainingRecord.objects.filter(center=center, completed_on__lte=day, certificate_expires_on__gte=day)
    return (
        User.objects.filter(pk__in=memberships.values("user_id"))
        .filter(pk__in=current.values("user_id"))
        .order_by("display_name", "pk")
    )


def volunteer_hours(
    *, volunteer: User, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> dict[str, Decimal]:
    """Hours a volunteer gave: tasks done, workshop duties done, training attended, and other apps' hours."""
    tasks = VolunteerTask.objects.filter(volunteer=volunteer, status=DutyStatus.DONE)
    training = TrainingRecord.objects.filter(user=volunteer)
    if start is not None:
        tasks = tasks.filter(due_at__gte=start)
        training = training.filter(completed_on__gte=timezone.localdate(start))
    if end is not None:
        tasks = tasks.filter(due_at__lt=end)
        training = training.filter(completed_on__lt=timezone.localdate(end))
    sums = tasks.aggregate(
        duties=Sum("hours", filter=Q(workshop__isnull=False)), other=Sum("hours", filter=Q(workshop__isnull=True))
    )
    result: dict[str, Decimal] = {
        "workshop_duties": sums["duties"] or ZERO,
        "tasks": sums["other"] or ZERO,
        "training": training.aggregate(total=Sum("hours"))["total"] or ZERO,
    }
    for source, hours in hooks.collect_dict("volunteer_hours", volunteer=volunteer, start=start, end=end).items():
        result[source] = Decimal(str(hours))
    result["total"] = sum(result.values(), ZERO)
    return result


def volunteer_training_state(*, user: User) -> dict[str, Any]:
    """Whether the volunteer's training is current (so tasks can be given to them) and the last day of their
    latest certificate (None when they have none): what their task pages tell them when they get no tasks."""
    until = TrainingRecord.objects.filter(
        user=user, completed_on__lte=timezone.localdate(), certificate_expires_on__isnull=False
    ).aggregate(until=Max("certificate_expires_on"))["until"]
    return {"cleared": volunteer_is_cleared(user), "until": until}


def volunteer_duty_record(*, user: User) -> dict[str, Any]:
    """What a volunteer sees of themselves: tasks to come, tasks done, training, hours, clearance."""
    tasks = VolunteerTask.objects.filter(volunteer=user).select_related("station", "workshop", "center")
    records = TrainingRecord.objects.filter(user=user).select_related("session").order_by("-completed_on", "-pk")
    training = volunteer_training_state(user=user)
    return {
        "upcoming": tasks.filter(status=DutyStatus.ASSIGNED).order_by("due_at", "pk"),
        "done": tasks.filter(status=DutyStatus.DONE).order_by("-due_at", "pk"),
        "training": records,
        "hours": volunteer_hours(volunteer=user),
        "cleared": training["cleared"],
        "cleared_until": training["until"],
    }


def volunteer_tasks_for(*, membership: Membership) -> QuerySet[VolunteerTask]:
    """The volunteer's tasks in the membership's center, latest first."""
    return (
        VolunteerTask.objects.filter(volunteer_id=membership.user_id, center_id=membership.center_id)
        .select_related("station", "workshop")
        .order_by("-due_at", "pk")
    )


def training_records_for(*, membership: Membership) -> QuerySet[TrainingRecord]:
    """The volunteer's training records kept by the membership's center."""
    return TrainingRecord.objects.filter(user_id=membership.user_id, center_id=membership.center_id).select_related(
        "session"
    )


# --- Training sessions -------------------------------------------------------------------------


def training_sessions_for_staff(*, user: Person) -> QuerySet[TrainingSession]:
    """Trainings at the centers and stations where the user manages volunteers, latest first."""
    return (
        TrainingSession.objects.filter(volunteer_scope(user).q())
        .select_related("station", "center")
        .annotate(attendee_count=Count("records"))
        .order_by("-starts_at", "pk")
    )


def training_session_for_staff(*, user: Person, pk: int) -> TrainingSession | None:
    """One training the user manages (by its id); None means 404."""
    return training_sessions_for_staff(user=user).filter(pk=pk).first()


def training_candidates(*, session: TrainingSession) -> QuerySet[User]:
    """Staff and volunteers of the session's center (its station's and the center-wide ones, for a station session)."""
    memberships = Membership.objects.filter(
        center_id=session.center_id, is_active=True, role__in=[Role.VOLUNTEER, Role.COUNSELOR, Role.STATION_MANAGER]
    )
    if session.station_id:
        memberships = memberships.filter(Q(station_id=session.station_id) | Q(station__isnull=True))
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("display_name", "pk")


# --- Service groups ------------------------------------------------------------------------------


def groups_for_staff(*, user: Person, active: bool = True) -> QuerySet[ServiceGroup]:
    """Service groups the user may see, active or dissolved."""
    return (
        ServiceGroup.objects.filter(group_scope(user).q(), is_active=active)
        .select_related("station", "center")
        .annotate(member_count=Count("members"))
        .order_by("station__code", "name")
    )


def group_for_staff(*, user: Person, pk: int) -> ServiceGroup | None:
    """One service group the user may see (by its id), members in name order; None means 404."""
    return (
        ServiceGroup.objects.filter(group_scope(user).q(), pk=pk)
        .select_related("station", "center")
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("display_name", "pk")))
        .first()
    )


def group_open_work(*, group: ServiceGroup) -> list[dict[str, Any]]:
    """The group's caseload and what is due, as the apps holding the work report it (soonest due first)."""
    items = hooks.collect_list("group_open_work", group=group)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda item: item.get("due_at") or far)


def groups_for_assignment(*, center: Center, station: Station | None = None) -> QuerySet[ServiceGroup]:
    """Active service groups a case or follow-up can be given to (organisational data, no personal records)."""
    groups = ServiceGroup.objects.filter(center=center, is_active=True).select_related("station")
    if station is not None:
        groups = groups.filter(station=station)
    return groups.order_by("station__code", "name")


def group_member_candidates(*, center: Center) -> QuerySet[User]:
    """Who may be in a service group of the center: its active counselors and volunteers."""
    memberships = Membership.objects.filter(center=center, is_active=True, role__in=[Role.COUNSELOR, Role.VOLUNTEER])
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("display_name", "pk")


# --- Figures for the station evaluations -------------------------------------------------------


def community_station_figures(*, station: Station, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    """Workshops held at the station, person-times from attendance, and volunteers' hours there.

    A workshop counts as held when it started in [start, end), was not cancelled and attendance was taken.
    Volunteer hours are done tasks and duties at the station due in the period; training hours are those
    of the station's volunteers, counted separately.
    """
    held = Workshop.objects.filter(
        station=station, starts_at__gte=start, starts_at__lt=end, is_cancelled=False, attendance_taken_at__isnull=False
    )
    participants = WorkshopRegistration.objects.filter(workshop__in=held, attendance=Attendance.ATTENDED).count()
    service_hours = VolunteerTask.objects.filter(
        station=station, status=DutyStatus.DONE, due_at__gte=start, due_at__lt=end
    ).aggregate(total=Sum("hours"))["total"]
    station_volunteers = Membership.objects.filter(station=station, role=Role.VOLUNTEER).values("user_id")
    training_hours = TrainingRecord.objects.filter(
        center_id=station.center_id,
        user_id__in=station_volunteers,
        completed_on__gte=timezone.localdate(start),
        completed_on__lt=timezone.localdate(end),
    ).aggregate(total=Sum("hours"))["total"]
    return {
        "workshops_held": held.count(),
        "workshop_participants": participants,
        "volunteer_hours": service_hours or ZERO,
        "volunteer_training_hours": training_hours or ZERO,
    }
