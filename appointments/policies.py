"""Who may do what with availability, bookings, sessions, the waitlist and feeds (the duty roster's rules are
centers.roster.policies)."""

from __future__ import annotations

from appointments.models import Appointment, WaitlistEntry
from centers.models import Resident, Role, Station, User
from centers.policies import has_role, memberships_of, resident_of, station_ids_for

# Staff who book for people (phone, walk-in, hotline) and see a station's week.
BOOKING_ROLES = (Role.COUNSELOR, Role.STATION_MANAGER, Role.SUPERVISOR)


def is_counselor_in(user: User, center_id: int) -> bool:
    return has_role(user, Role.COUNSELOR, center_id=center_id)


def is_supervisor_of(user: User, center_id: int) -> bool:
    return has_role(user, Role.SUPERVISOR, center_id=center_id)


def can_manage_availability(user: User, *, counselor: User, center_id: int) -> bool:
    """A counselor publishes their own availability; a supervisor may do it for any counselor of the center."""
    if not has_role(counselor, Role.COUNSELOR, center_id=center_id):
        return False
    return (user.pk == counselor.pk and is_counselor_in(user, center_id)) or is_supervisor_of(user, center_id)


def can_book_for_others(user: User, center_id: int) -> bool:
    return has_role(user, *BOOKING_ROLES, center_id=center_id)


def can_see_station(user: User, station: Station) -> bool:
    """Supervisors and counselors see every station of their center; a station manager only their own."""
    if has_role(user, Role.SUPERVISOR, Role.COUNSELOR, center_id=station.center_id):
        return True
    return station.pk in station_ids_for(user, [Role.STATION_MANAGER])


def can_run_session(user: User, appointment: Appointment) -> bool:
    """The appointment's counselor (while a counselor of its center), or the center's supervisor, checks in,
    completes or marks a no-show."""
    if is_supervisor_of(user, appointment.center_id):
        return True
    return appointment.counselor_id == user.pk and is_counselor_in(user, appointment.center_id)


def staff_can_see_appointment(user: User, appointment: Appointment) -> bool:
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


def resident_search_station_ids(user: User, center_id: int) -> set[int] | None:
    """Whose records a staff member's resident search covers at a center: None for the whole center (its
    supervisor, a counselor without a station), else the stations where they book for people."""
    for m in memberships_of(user):
        if m.center_id != center_id:
            continue
        if m.role == Role.SUPERVISOR or (m.role == Role.COUNSELOR and m.station_id is None):
            return None
    return station_ids_for(user, BOOKING_ROLES)


def can_book_for_resident(user: User, resident: Resident) -> bool:
    """A resident books for themselves or for a child in their care."""
    me = resident_of(user)
    return me is not None and (me.pk == resident.pk or resident.guardian_id == me.pk)


def resident_ids_acting_for(user: User) -> set[int]:
    """The resident records a signed-in person acts for: their own and their wards'."""
    me = resident_of(user)
    if me is None:
        return set()
    return {me.pk, *Resident.objects.filter(guardian=me).values_list("pk", flat=True)}


def can_see_waitlist_entry(user: User, entry: WaitlistEntry) -> bool:
    """Supervisors and counselors see the center's waitlist; a station manager only their station's."""
    if has_role(user, Role.SUPERVISOR, Role.COUNSELOR, center_id=entry.center_id):
        return True
    return entry.station_id is not None and entry.station_id in station_ids_for(user, [Role.STATION_MANAGER])


def can_set_waitlist_priority(user: User, center_id: int) -> bool:
    return has_role(user, Role.SUPERVISOR, Role.STATION_MANAGER, Role.COUNSELOR, center_id=center_id)


def has_calendar(user: User) -> bool:
    return has_role(user, Role.COUNSELOR)
