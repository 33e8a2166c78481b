"""Who may see and plan the duty roster."""

from __future__ import annotations

from centers.models import DutyShift, Role, ShiftKind, User
from centers.policies import center_ids_for, has_role, station_ids_for


def can_manage_roster(user: User, center_id: int, station_id: int | None = None) -> bool:
    """The supervisor plans all duty; a station manager plans on-site duty at their station."""
    if has_role(user, Role.SUPERVISOR, center_id=center_id):
        return True
    return station_id is not None and station_id in station_ids_for(user, [Role.STATION_MANAGER])


def can_remove_shift(user: User, shift: DutyShift) -> bool:
    """Who may take a shift off the roster: whoever plans it (the online and hotline duty: the supervisor only)."""
    if not can_manage_roster(user, shift.center_id, shift.station_id):
        return False
    return shift.kind != ShiftKind.ONLINE_HOTLINE or can_manage_roster(user, shift.center_id)


def can_view_roster(user: User, center_id: int) -> bool:
    """Supervisors, station managers and counselors of the center see its roster."""
    return center_id in center_ids_for(user, [Role.SUPERVISOR, Role.STATION_MANAGER, Role.COUNSELOR])
