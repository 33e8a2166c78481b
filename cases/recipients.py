"""Who is told: the active supervisors and counselors of a center, and the managers of a case's station."""

from __future__ import annotations

from cases.models import Case
from centers.models import Center, Role, Station, User


def supervisor_list(*, center: Center) -> list[User]:
    """The center's active supervisors (each once)."""
    return list(
        User.objects.filter(
            memberships__center=center, memberships__role=Role.SUPERVISOR, memberships__is_active=True, is_active=True
        ).distinct()
    )


def counselor_list(*, center: Center) -> list[User]:
    """The center's active counselors (each once)."""
    return list(
        User.objects.filter(
            memberships__center=center, memberships__role=Role.COUNSELOR, memberships__is_active=True, is_active=True
        ).distinct()
    )


def station_counselor_list(*, center: Center, station: Station | None) -> list[User]:
    """The active counselors of a station (for no station: the center's counselors without one), each once."""
    rows = User.objects.filter(
        memberships__center=center, memberships__role=Role.COUNSELOR, memberships__is_active=True, is_active=True
    )
    rows = rows.filter(memberships__station=station) if station else rows.filter(memberships__station__isnull=True)
    return list(rows.distinct())


def station_manager_list(*, case: Case) -> list[User]:
    """The active managers of the case's station; none for a case without a station."""
    if not case.station_id:
        return []
    return list(
        User.objects.filter(
            memberships__station_id=case.station_id,
            memberships__role=Role.STATION_MANAGER,
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )
