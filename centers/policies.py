"""Who may do what in the organisation. Plain functions, used by selectors, views and templates."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from . import access_cache
from .models import Membership, Role


def memberships_of(user) -> list[Membership]:
    """The user's active memberships, loaded once per request (or read from the shared cache,
    see access_cache)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return access_cache.value(
        user,
        "memberships",
        lambda: list(
            Membership.objects.filter(user=user, is_active=True, center__isnull=False).select_related(
                "center", "station"
            )
        ),
    )


def forget_memberships(user) -> None:
    """The user's roles just changed: read them again from the database for the rest of the request."""
    access_cache.forget_in_request(user)


def roles_of(user) -> set[str]:
    return {m.role for m in memberships_of(user)}


def has_role(user, *roles: str, center_id: int | None = None) -> bool:
    return any(m.role in roles and (center_id is None or m.center_id == center_id) for m in memberships_of(user))


def is_staff_member(user) -> bool:
    return bool(memberships_of(user))


def center_ids_for(user, roles: Iterable[str] | None = None) -> set[int]:
    wanted = set(roles) if roles is not None else None
    return {m.center_id for m in memberships_of(user) if wanted is None or m.role in wanted}


def supervised_center_ids(user) -> set[int]:
    """The centers the user supervises."""
    return center_ids_for(user, (Role.SUPERVISOR,))


def station_ids_for(user, roles: Iterable[str]) -> set[int]:
    """Stations the user acts at in the given roles (a center-wide membership gives none here)."""
    wanted = set(roles)
    return {m.station_id for m in memberships_of(user) if m.role in wanted and m.station_id}


def resident_of(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.resident
    except Exception:  # RelatedObjectDoesNotExist
        return None


# Order matters: a person with several roles lands on the most demanding one.
_LANDING = [
    (Role.SUPERVISOR, "cases:console"),
    (Role.COUNSELOR, "cases:workspace"),
    (Role.STATION_MANAGER, "centers:station_home"),
    (Role.EXPERT, "cases:consultations"),
    (Role.OFFICIAL, "centers:dashboard"),
    (Role.AUDITOR, "centers:audit_log"),
    (Role.VOLUNTEER, "cases:volunteer_tasks"),
]


def landing_url_for(user) -> str:
    roles = roles_of(user)
    for role, url_name in _LANDING:
        if role in roles:
            return reverse(url_name)
    if resident_of(user) is not None:
        return reverse("centers:resident_home")
    if user.is_superuser:
        return reverse("admin:index")
    return reverse("centers:resident_home")


def can_manage_staff(user, center_id: int) -> bool:
    return has_role(user, Role.SUPERVISOR, center_id=center_id)


def can_read_audit(user) -> bool:
    return has_role(user, Role.AUDITOR)


def can_view_dashboard(user) -> bool:
    return has_role(user, Role.OFFICIAL, Role.SUPERVISOR)


def has_consent(resident, purpose: str) -> bool:
    """True while an unwithdrawn consent for the purpose exists (any version still in force)."""
    from .models import ConsentRecord

    return ConsentRecord.objects.filter(resident=resident, purpose=purpose, withdrawn_at__isnull=True).exists()


# The community side (issue 9); other apps call centers.policies.volunteer_is_cleared.
from .community_policies import volunteer_is_cleared  # noqa: E402, F401


def can_record_erasure(user, resident) -> bool:
    """Staff record an erasure request only for a child (under 18) or a person without an account (who cannot
    ask through the portal); the center's supervisor or a counselor of the person's station (or center-wide)."""
    in_scope = any(
        m.center_id == resident.center_id
        and (
            m.role == Role.SUPERVISOR
            or (m.role == Role.COUNSELOR and (m.station_id is None or m.station_id == resident.station_id))
        )
        for m in memberships_of(user)
    )
    if not in_scope:
        return False
    if resident.anonymised_at is not None:
        return False
    age = resident.age
    return resident.user_id is None or (age is not None and age < 18)
