"""Reads of the organisation, scoped to the acting user."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from centers.audit.labels import action_label
from centers.audit.log import role_display
from centers.audit.models import AuditEvent
from centers.models import Center, DutyShift, Membership, Resident, Role, ShiftKind, Station, User
from centers.own_numbers import preferred_center
from centers.policies import Actor, audit_center_ids, can_read_audit, center_ids_for, resident_of, supervised_center_ids


def station_list_public(*, center: Center | None = None) -> QuerySet[Station]:
    """Stations anyone may see (name, address, phone), for choosing where to go; one center's only when given."""
    stations = Station.objects.filter(is_active=True, center__isnull=False).select_related("center")
    return stations.filter(center=center) if center is not None else stations


def center_public(*, code: str) -> Center | None:
    """A center as anyone may see it (its public page), or None."""
    return Center.objects.filter(code=code).first()


def resident_for_user(*, user: Actor) -> Resident | None:
    return resident_of(user)


def resident_wards(*, user: Actor) -> QuerySet[Resident]:
    """The minors a signed-in resident is the guardian of."""
    me = resident_of(user)
    if me is None:
        return Resident.objects.none()
    return Resident.objects.filter(guardian=me, anonymised_at__isnull=True).order_by("full_name")


def staff_memberships(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("center", "station")
        .order_by("center__name", "station__code")
    )


def stations_for_staff(*, user: Actor) -> QuerySet[Station]:
    return Station.objects.filter(center_id__in=center_ids_for(user)).select_related("center")


def audit_event_list(
    *,
    user: Actor,
    action: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows, for the auditor role only; everyone else gets none."""
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    centers = audit_center_ids(user)
    rows = AuditEvent.objects.all() if centers is None else AuditEvent.objects.filter(center_id_at__in=centers)
    if action:
        rows = rows.filter(action__startswith=action)
    if actor:
        rows = rows.filter(_actor_matches(actor.strip()))
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
    return rows.select_related("actor").order_by("-id")


def _actor_matches(text: str) -> Q:
    """An actor typed by the auditor: part of a person's name, sign-in name or email, or the stored label
    (an account number, "system")."""
    people = User.objects.filter(
        Q(display_name__icontains=text)
        | Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
        | Q(username__iexact=text)
        | Q(email__iexact=text)
    ).values("pk")
    return Q(actor_id__in=people) | Q(actor_label=text)


def audit_rows_in_words(rows: list[AuditEvent], *, user: Actor) -> list[AuditEvent]:
    """Give a page of audit rows (fetched with their actor) the actor's name, the role, the station and the
    action in words. One query for the page, whatever is on it: the stations of the auditor's centers."""
    centers = audit_center_ids(user)
    in_view = Station.objects.all() if centers is None else Station.objects.filter(center_id__in=centers)
    stations = dict(in_view.values_list("pk", "name"))
    for row in rows:
        person = row.actor if row.actor_id else None
        words = {
            "actor_name": str(person) if person is not None else _stored_actor(row.actor_label),
            "role_label": role_display(row.role),
            "station_name": stations.get(row.station_id_at, "") if row.station_id_at else "",
            "action_label": action_label(row.action),
        }
        for name, text in words.items():
            setattr(row, name, text)  # shown beside the row's fields on the page; not columns
    return rows


def _stored_actor(label: str) -> str:
    if label == "system":
        return _("System")
    return label or _("No account (visitor or system)")


# --- Who is on duty: the one rule ------------------------------------------------------------------------
#
# A duty is what a shift makes someone answer for. A person is on a duty at a center at a moment when they
# have a shift of that duty there covering the moment, their account is active, and they hold at that
# center an active role that may take the duty. Every caller (crisis alerts, online conversations, the
# roster, coverage, the console) reads it here.

DUTY_CRISIS_TEAM = "crisis_team"  # crisis-team shifts (else, when none, whoever holds online duty)
DUTY_ONLINE = "online"  # who answers online conversations: the crisis team and online / hotline duty
DUTY_ONLINE_HOTLINE = "online_hotline"  # the 24-hour online and hotline line itself (coverage)
DUTY_ONSITE = "onsite"

CLINICAL_DUTY_ROLES = (Role.COUNSELOR, Role.SUPERVISOR)
DUTY_ROLES: dict[str, tuple[str, ...]] = {
    DUTY_CRISIS_TEAM: CLINICAL_DUTY_ROLES,
    DUTY_ONLINE: CLINICAL_DUTY_ROLES,
    DUTY_ONLINE_HOTLINE: CLINICAL_DUTY_ROLES,
    DUTY_ONSITE: (Role.COUNSELOR, Role.SUPERVISOR, Role.STATION_MANAGER, Role.VOLUNTEER),
}


def duty_kind_q(duty: str, prefix: str = "") -> Q:
    """The shifts that count for a duty, by kind and crisis-team flag only (no eligibility)."""
    crisis = Q(**{f"{prefix}is_crisis_team": True})
    if duty == DUTY_CRISIS_TEAM:
        return crisis
    if duty == DUTY_ONLINE:
        return crisis | Q(**{f"{prefix}kind": ShiftKind.ONLINE_HOTLINE})
    if duty == DUTY_ONLINE_HOTLINE:
        return Q(**{f"{prefix}kind": ShiftKind.ONLINE_HOTLINE})
    if duty == DUTY_ONSITE:
        return Q(**{f"{prefix}kind": ShiftKind.ONSITE})
    raise ValueError(f"unknown duty {duty!r}")


def duty_roles_for_shift(*, kind: str, is_crisis_team: bool) -> tuple[str, ...]:
    """The roles that may take a shift of this kind (the strictest duty the shift makes someone part of)."""
    if is_crisis_team or kind == ShiftKind.ONLINE_HOTLINE:
        return CLINICAL_DUTY_ROLES
    return DUTY_ROLES[DUTY_ONSITE]


def may_take_shift(*, user: User, center: Center, kind: str, is_crisis_team: bool) -> bool:
    """Whether the person may be put on such a shift at this center: an active account holding there an
    active role allowed to take the duty."""
    if not user.is_active:
        return False
    roles = duty_roles_for_shift(kind=kind, is_crisis_team=is_crisis_team)
    return Membership.objects.filter(user=user, center=center, role__in=roles, is_active=True).exists()


def _eligible_q(roles: tuple[str, ...]) -> Q:
    held = Membership.objects.filter(
        user_id=OuterRef("user_id"), center_id=OuterRef("center_id"), role__in=roles, is_active=True
    )
    return Q(user__is_active=True) & Q(Exists(held))


def duty_shifts(*, duty: str, center: Center | None = None, at: dt.datetime | None = None) -> QuerySet[DutyShift]:
    """The shifts of a duty held by people eligible for it (at `at`, when given; of `center`, when given)."""
    shifts = DutyShift.objects.filter(duty_kind_q(duty), _eligible_q(DUTY_ROLES[duty]))
    if center is not None:
        shifts = shifts.filter(center=center)
    if at is not None:
        shifts = shifts.filter(starts_at__lte=at, ends_at__gt=at)
    return shifts


def on_duty(*, center: Center, duty: str, at: dt.datetime) -> list[User]:
    """The people on `duty` at `center` at the moment `at`, by the one rule, in shift order, each once.

    The crisis team is the crisis-team shifts; when none covers the moment, whoever holds online duty."""
    shifts = list(duty_shifts(duty=duty, center=center, at=at).select_related("user").order_by("starts_at", "pk"))
    if not shifts and duty == DUTY_CRISIS_TEAM:
        return on_duty(center=center, duty=DUTY_ONLINE_HOTLINE, at=at)
    seen: dict[int, User] = {}
    for shift in shifts:
        seen.setdefault(shift.user_id, shift.user)
    return list(seen.values())


def on_duty_center_ids(*, user: Actor, duty: str, at: dt.datetime) -> set[int]:
    """The centers where the user is on `duty` at `at`, by the same rule (one query)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return set()
    return set(duty_shifts(duty=duty, at=at).filter(user=user).values_list("center_id", flat=True))


def duty_gaps(
    *, center: Center, duty: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Spans in [start, end) when nobody eligible holds `duty` at the center."""
    spans = (
        duty_shifts(duty=duty, center=center)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .values_list("starts_at", "ends_at")
    )
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    covered_until = start
    for shift_start, shift_end in sorted(spans):
        if shift_start > covered_until:
            gaps.append((covered_until, shift_start))
        covered_until = max(covered_until, shift_end)
        if covered_until >= end:
            break
    if covered_until < end:
        gaps.append((covered_until, end))
    return gaps


def supervised_center(*, user: Actor) -> Center | None:
    """The center a supervisor manages (the one they act for, if several), or None."""
    return preferred_center(user, supervised_center_ids(user))


def staff_memberships_of_center(*, user: Actor, center: Center) -> QuerySet[Membership]:
    """The active roles in a center, for its supervisor only."""
    if center.pk not in supervised_center_ids(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(center=center, is_active=True)
        .select_related("user", "station")
        .order_by("role", "station__code", "user__display_name")
    )


def staff_membership_for_manager(*, user: Actor, pk: int) -> Membership | None:
    """One active role in a center the user supervises, or None (a 404 for the caller)."""
    return (
        Membership.objects.filter(pk=pk, is_active=True, center_id__in=supervised_center_ids(user))
        .select_related("user", "center")
        .first()
    )
