"""Who may do what in the organisation. Plain functions, used by selectors, views and templates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from centers import access_cache, hooks
from centers.models import Administrator, AdministratorKind, Membership, Resident, Role, User

# Who a policy is asked about: a signed-in account, a visitor, or nobody (a task, the shell).
Actor: TypeAlias = User | AnonymousUser | None


def memberships_of(user: Actor) -> list[Membership]:
    """The user's active memberships, loaded once per request (or read from the shared cache,
    see access_cache)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return []
    memberships: list[Membership] = access_cache.value(
        user,
        "memberships",
        lambda: list(
            Membership.objects.filter(user=user, is_active=True, center__isnull=False).select_related(
                "center", "station"
            )
        ),
    )
    return memberships


def forget_memberships(user: User) -> None:
    """The user's roles just changed: read them again from the database for the rest of the request."""
    access_cache.forget_in_request(user)


def roles_of(user: Actor) -> set[str]:
    return {m.role for m in memberships_of(user)}


def has_role(user: Actor, *roles: str, center_id: int | None = None) -> bool:
    return any(m.role in roles and (center_id is None or m.center_id == center_id) for m in memberships_of(user))


def is_staff_member(user: Actor) -> bool:
    return bool(memberships_of(user))


def center_ids_for(user: Actor, roles: Iterable[str] | None = None) -> set[int]:
    wanted = set(roles) if roles is not None else None
    return {m.center_id for m in memberships_of(user) if wanted is None or m.role in wanted}


def supervised_center_ids(user: Actor) -> set[int]:
    """The centers the user supervises."""
    return center_ids_for(user, (Role.SUPERVISOR,))


# --- The deployment's administrators (centers.models.Administrator; granted in centers.accounts.administrators) ---


def auditor_role_problem(user: User) -> str | None:
    """Why `user` may not be given a center's auditor role, or None (a system or security administrator)."""
    kind = Administrator.objects.filter(user=user, is_active=True).values_list("kind", flat=True).first()
    if kind in (AdministratorKind.SYSTEM, AdministratorKind.SECURITY):
        return _("This person is the %(duty)s; an administrator may not also be an auditor.") % {
            "duty": AdministratorKind(kind).label
        }
    return None


def administrator_kind(user: Actor) -> str | None:
    """The duty the account holds now ("system", "security", "audit"), or None; one read per request."""
    if not isinstance(user, User) or not user.is_active:
        return None
    kind: str | None = access_cache.value(
        user,
        "administrator",
        lambda: Administrator.objects.filter(user_id=user.pk, is_active=True).values_list("kind", flat=True).first(),
    )
    return kind


def is_administrator(user: Actor, *kinds: str) -> bool:
    kind = administrator_kind(user)
    return kind is not None and (not kinds or kind in kinds)


def uses_admin_site(user: Actor) -> bool:
    """The admin site is for the system and security administrators; a superuser only outside production."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser and not settings.PRODUCTION:
        return True
    return is_administrator(user, AdministratorKind.SYSTEM, AdministratorKind.SECURITY)


def station_ids_for(user: Actor, roles: Iterable[str]) -> set[int]:
    """Stations the user acts at in the given roles (a center-wide membership gives none here)."""
    wanted = set(roles)
    return {m.station_id for m in memberships_of(user) if m.role in wanted and m.station_id}


def resident_of(user: Actor) -> Resident | None:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    try:
        return user.resident
    except Resident.DoesNotExist:
        return None


# Order matters: a person with several roles lands on the most demanding one.
LANDING_ORDER = (
    Role.SUPERVISOR,
    Role.COUNSELOR,
    Role.STATION_MANAGER,
    Role.EXPERT,
    Role.OFFICIAL,
    Role.AUDITOR,
    Role.VOLUNTEER,
)
# The roles whose landing page is in centers; the apps built on it name theirs (hook ``role_landing``).
CENTERS_LANDING: dict[str, str] = {
    Role.STATION_MANAGER: "centers:station_home",
    Role.OFFICIAL: "centers:dashboard",
    Role.AUDITOR: "centers:audit_log",
}


ADMINISTRATOR_LANDING: dict[str, str] = {
    AdministratorKind.SYSTEM: "admin:index",
    AdministratorKind.SECURITY: "admin:index",
    AdministratorKind.AUDIT: "centers:audit_log",
}


def landing_url_for(user: User | AnonymousUser) -> str:
    if kind := administrator_kind(user):
        return reverse(ADMINISTRATOR_LANDING[kind])
    roles = roles_of(user)
    pages: dict[str, str] = dict(CENTERS_LANDING)
    for answer in hooks.collect("role_landing"):
        pages.update(answer)
    for role in LANDING_ORDER:
        if role in roles and role in pages:
            return reverse(pages[role])
    if resident_of(user) is not None:
        return reverse("centers:resident_home")
    if user.is_superuser:
        return reverse("admin:index")
    return reverse("centers:resident_home")


def can_manage_staff(user: Actor, center_id: int) -> bool:
    return has_role(user, Role.SUPERVISOR, center_id=center_id)


def can_read_audit(user: Actor) -> bool:
    """A center's auditor (their centers' rows) or the deployment's auditor (every row, audit_center_ids None)."""
    return has_role(user, Role.AUDITOR) or is_administrator(user, AdministratorKind.AUDIT)


def audit_center_ids(user: Actor) -> set[int] | None:
    """The centers whose audit rows the user reads; None for the deployment's auditor, who reads every row,
    those of no center (sign-ins, administrators' acts, the system's own) included."""
    if is_administrator(user, AdministratorKind.AUDIT):
        return None
    return center_ids_for(user, (Role.AUDITOR,))


def can_view_dashboard(user: Actor) -> bool:
    return has_role(user, Role.OFFICIAL, Role.SUPERVISOR)


def can_record_erasure(user: Actor, resident: Resident) -> bool:
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
