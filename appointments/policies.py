"""Who may do what with availability, bookings, the duty roster and feeds."""

from __future__ import annotations

from centers.models import Role
from centers.policies import center_ids_for, has_role, memberships_of, resident_of, station_ids_for

# Staff who book for people (phone, walk-in, hotline) and see a station's week.
BOOKING_ROLES = (Role.COUNSELOR, Role.STATION_MANAGER, Role.SUPERVISOR)


def is_counselor_in(user, center_id: int) -> bool:
    return has_role(user, Role.COUNSELOR, center_id=center_id)


def is_supervisor_of(user, center_id: int) -> bool:
    return has_role(user, Role.SUPERVISOR, center_id=center_id)


def can_manage_availability(user, *, counselor, center_id: int) -> bool:
    """A counselor publishes their own availability; a supervisor may do it for any counselor of the center."""
    if not has_role(counselor, Role.COUNSELOR, center_id=center_id):
        return False
    return (user.pk == counselor.pk and is_counselor_in(user, center_id)) or is_supervisor_of(user, center_id)


def can_book_for_others(user, center_id: int) -> bool:
    return has_role(user, *BOOKING_ROLES, center_id=center_id)


def can_see_station(user, station) -> bool:
    """Supervisors and counselors see every station of their center; a station manager only their own."""
    if has_role(user, Role.SUPERVISOR, Role.COUNSELOR, center_id=station.center_id):
        return True
    return station.pk in station_ids_for(user, [Role.STATION_MANAGER])


def can_run_session(user, appointment) -> bool:
    """The appointment's counselor (while a counselor of its center), or the center's supervisor, checks in,
    completes or marks a no-show."""
    if is_supervisor_of(user, appointment.center_id):
        return True
    return appointment.counselor_id == user.pk and is_counselor_in(user, appointment.center_id)


def staff_can_see_appointment(user, appointment) -> bool:
    """Staff open and change (cancel, move) an appointment: the center's supervisor; a counselor or the
    station manager of its station; the counselor whose appointment it is, while a counselor there. A
    counselor without a station has their own appointments only."""
    if is_supervisor_of(user, appointment.center_id):
        return True
    if appointment.station_id and appointment.station_id in station_ids_for(
        user, [Role.COUNSELOR, Role.STATION_MANAGER]
    ):
        return True
    return appointment.counselor_id == user.pk and is_counselor_in(user, appointment.center_id)


def resident_search_station_ids(user, center_id: int) -> set[int] | None:
    """Whose records a staff member's resident search covers at a center: None for the whole center (its
    supervisor, a counselor without a station), else the stations where they book for people."""
    for m in memberships_of(user):
        if m.center_id != center_id:
            continue
        if m.role == Role.SUPERVISOR or (m.role == Role.COUNSELOR and m.station_id is None):
            return None
    return station_ids_for(user, BOOKING_ROLES)


def can_book_for_resident(user, resident) -> bool:
    """A resident books for themselves or for a child in their care."""
    me = resident_of(user)
    return me is not None and (me.pk == resident.pk or resident.guardian_id == me.pk)


def resident_ids_acting_for(user) -> set[int]:
    """The resident records a signed-in person acts for: their own and their wards'."""
    from centers.models import Resident

    me = resident_of(user)
    if me is None:
        return set()
    return {me.pk, *Resident.objects.filter(guardian=me).values_list("pk", flat=True)}


def can_manage_roster(user, center_id: int, station_id: int | None = None) -> bool:
    """The supervisor plans all duty; a station manager plans on-site duty at their station."""
    if is_supervisor_of(user, center_id):
        return True
    return station_id is not None and station_id in station_ids_for(user, [Role.STATION_MANAGER])


def can_remove_shift(user, shift) -> bool:
    """Who may take a shift off the roster: whoever plans it (the online and hotline duty: the supervisor only)."""
    if not can_manage_roster(user, shift.center_id, shift.station_id):
        return False
    return shift.kind != "online_hotline" or can_manage_roster(user, shift.center_id)


def can_view_roster(user, center_id: int) -> bool:
    return center_id in center_ids_for(user, [Role.SUPERVISOR, Role.STATION_MANAGER, Role.COUNSELOR])


def can_see_waitlist_entry(user, entry) -> bool:
    """Supervisors and counselors see the center's waitlist; a station manager only their station's."""
    if has_role(user, Role.SUPERVISOR, Role.COUNSELOR, center_id=entry.center_id):
        return True
    return entry.station_id is not None and entry.station_id in station_ids_for(user, [Role.STATION_MANAGER])


def can_set_waitlist_priority(user, center_id: int) -> bool:
    return has_role(user, Role.SUPERVISOR, Role.STATION_MANAGER, Role.COUNSELOR, center_id=center_id)


def has_calendar(user) -> bool:
    return has_role(user, Role.COUNSELOR)
