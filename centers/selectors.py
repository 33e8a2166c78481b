"""Reads of the organisation, scoped to the acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent, DutyShift, Membership, Resident, ShiftKind, Station, User
from .policies import can_read_audit, center_ids_for, resident_of, supervised_center_ids


def station_list_public(*, center=None) -> QuerySet[Station]:
    """Stations anyone may see (name, address, phone), for choosing where to go; one center's only when given."""
    stations = Station.objects.filter(is_active=True, center__isnull=False).select_related("center")
    return stations.filter(center=center) if center is not None else stations


def center_public(*, code: str):
    """A center as anyone may see it (its public page), or None."""
    from .models import Center

    return Center.objects.filter(code=code).first()


def resident_for_user(*, user) -> Resident | None:
    return resident_of(user)


def resident_wards(*, user) -> QuerySet[Resident]:
    """The minors a signed-in resident is the guardian of."""
    me = resident_of(user)
    if me is None:
        return Resident.objects.none()
    return Resident.objects.filter(guardian=me, anonymised_at__isnull=True).order_by("full_name")


def staff_memberships(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("center", "station")
        .order_by("center__name", "station__code")
    )


def stations_for_staff(*, user) -> QuerySet[Station]:
    return Station.objects.filter(center_id__in=center_ids_for(user)).select_related("center")


def audit_event_list(
    *,
    user,
    action: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEvent]:
    """Audit rows, for the auditor role only; everyone else gets none."""
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    rows = AuditEvent.objects.filter(center_id_at__in=center_ids_for(user)) | AuditEvent.objects.filter(
        center_id_at__isnull=True
    )
    if action:
        rows = rows.filter(action__startswith=action)
    if actor:
        rows = rows.filter(actor_label=actor)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if object_id:
        rows = rows.filter(object_id=object_id)
    if date_from:
        rows = rows.filter(at__date__gte=date_from)
    if date_to:
        rows = rows.filter(at__date__lte=date_to)
    return rows.order_by("-id")


def duty_shifts_at(*, center, at, kind: str | None = None, crisis_team_only: bool = False) -> QuerySet[DutyShift]:
    """Shifts of a center covering the moment `at` (organisational data, no personal records)."""
    shifts = DutyShift.objects.filter(center=center, starts_at__lte=at, ends_at__gt=at).select_related(
        "user", "station"
    )
    if kind:
        shifts = shifts.filter(kind=kind)
    if crisis_team_only:
        shifts = shifts.filter(is_crisis_team=True)
    return shifts.order_by("starts_at", "pk")


def crisis_team_on_duty(*, center, at) -> list[User]:
    """The people on the crisis team at `at`: crisis-team shifts first, else whoever holds online duty."""
    shifts = list(duty_shifts_at(center=center, at=at, crisis_team_only=True))
    if not shifts:
        shifts = list(duty_shifts_at(center=center, at=at, kind=ShiftKind.ONLINE_HOTLINE))
    seen: dict[int, User] = {}
    for shift in shifts:
        seen.setdefault(shift.user_id, shift.user)
    return list(seen.values())


def supervised_center(*, user):
    """The center a supervisor manages (the one they act for, if several), or None."""
    from .centers_own import preferred_center

    return preferred_center(user, supervised_center_ids(user))


def staff_memberships_of_center(*, user, center) -> QuerySet[Membership]:

    if center.pk not in supervised_center_ids(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(center=center, is_active=True)
        .select_related("user", "station")
        .order_by("role", "station__code", "user__display_name")
    )


def staff_membership_for_manager(*, user, pk: int) -> Membership | None:

    return (
        Membership.objects.filter(pk=pk, is_active=True, center_id__in=supervised_center_ids(user))
        .select_related("user", "center")
        .first()
    )
