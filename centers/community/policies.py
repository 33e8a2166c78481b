"""Who may do what on the community side: volunteers, training, workshops, service groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from centers.community.models import TrainingRecord
from centers.models import Center, Membership, Resident, Role, User
from centers.policies import memberships_of, resident_of

# Who a policy may be asked about: a signed-in user, or a visitor (who may do nothing here).
Person = User | AnonymousUser


@dataclass(frozen=True)
class CommunityScope:
    """Where a staff member may act: whole centers, single stations, or the center's own premises."""

    center_ids: frozenset[int] = field(default_factory=frozenset)
    station_ids: frozenset[int] = field(default_factory=frozenset)
    premises_center_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.center_ids or self.station_ids or self.premises_center_ids)

    def q(self, prefix: str = "") -> Q:
        """A filter for rows with `center` and `station` fields (reached through `prefix`)."""
        if self.empty:
            return Q(pk__in=[])
        query = Q(**{f"{prefix}center_id__in": self.center_ids}) | Q(**{f"{prefix}station_id__in": self.station_ids})
        if self.premises_center_ids:
            query |= Q(**{f"{prefix}center_id__in": self.premises_center_ids, f"{prefix}station__isnull": True})
        return query

    @property
    def allows_center(self) -> bool:
        """Whether the staff member may act at the center itself (not only at a station)."""
        return bool(self.center_ids or self.premises_center_ids)

    def covers(self, center_id: int | None, station_id: int | None) -> bool:
        if center_id in self.center_ids:
            return True
        if station_id is not None:
            return station_id in self.station_ids
        return center_id in self.premises_center_ids


def require_permission(allowed: bool) -> None:
    """Refuse a service call the actor may not make (the view shows 404 or 403)."""
    if not allowed:
        raise PermissionDenied


def _scope(user: Person | None, center_roles: set[str], station_roles: set[str]) -> CommunityScope:
    centers: set[int] = set()
    stations: set[int] = set()
    premises: set[int] = set()
    for membership in memberships_of(user):
        if membership.role in center_roles:
            centers.add(membership.center_id)
        elif membership.role in station_roles:
            if membership.station_id:
                stations.add(membership.station_id)
            else:
                premises.add(membership.center_id)
    return CommunityScope(frozenset(centers), frozenset(stations), frozenset(premises))


def workshop_scope(user: Person | None) -> CommunityScope:
    """Supervisors run every workshop of their center; station managers and counselors those of their station."""
    return _scope(user, {Role.SUPERVISOR}, {Role.STATION_MANAGER, Role.COUNSELOR})


def volunteer_scope(user: Person | None) -> CommunityScope:
    """Volunteers, their training and tasks: supervisors for the center, station managers for their station."""
    return _scope(user, {Role.SUPERVISOR}, {Role.STATION_MANAGER})


def group_scope(user: Person | None) -> CommunityScope:
    """Service groups are seen by supervisors (all) and station managers and counselors (their station's)."""
    return _scope(user, {Role.SUPERVISOR}, {Role.STATION_MANAGER, Role.COUNSELOR})


def can_manage_groups(user: Person | None, center_id: int) -> bool:
    """Only the center forms, changes and dissolves service groups."""
    return center_id in volunteer_scope(user).center_ids


def can_run_workshops(user: Person | None) -> bool:
    return not workshop_scope(user).empty


def can_manage_volunteers(user: Person | None) -> bool:
    return not volunteer_scope(user).empty


def can_view_groups(user: Person | None) -> bool:
    return not group_scope(user).empty


def can_register_for(user: Person | None, resident: Resident) -> bool:
    """A resident registers themselves or a child in their care."""
    me: Resident | None = resident_of(user)
    return me is not None and (me.pk == resident.pk or resident.guardian_id == me.pk)


def volunteer_center_ids(user: Person | None) -> set[int]:
    return {m.center_id for m in memberships_of(user) if m.role == Role.VOLUNTEER}


def volunteer_is_cleared(user: Person | None, at: dt.datetime | None = None, *, center: Center | None = None) -> bool:
    """True when the user is an active volunteer whose training certificate is current on the day of `at`.

    `center` narrows the check to one center (the certificate must be recorded by that center).
    Reads the database each time: a renewal recorded a minute ago counts.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.pk:
        return False
    day = timezone.localdate(at) if at is not None else timezone.localdate()
    volunteer_in = Membership.objects.filter(user=user, role=Role.VOLUNTEER, is_active=True)
    if center is not None:
        volunteer_in = volunteer_in.filter(center=center)
    return TrainingRecord.objects.filter(
        user=user,
        center_id__in=volunteer_in.values("center_id"),
        completed_on__lte=day,
        certificate_expires_on__gte=day,
    ).exists()
