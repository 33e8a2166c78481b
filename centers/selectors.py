"""Reads of the organisation, scoped to the acting user."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .audit import role_display
from .audit_labels import action_label
from .models import AuditEvent, DutyShift, Membership, Resident, ShiftKind, Station, User
from .policies import can_read_audit, center_ids_for, resident_of, supervised_center_ids


def station_list_public() -> QuerySet[Station]:
    """Stations anyone may see (name, address, phone), for choosing where to go."""
    return Station.objects.filter(is_active=True, center__isnull=False).select_related("center")


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


def audit_rows_in_words(rows: list[AuditEvent], *, user) -> list[AuditEvent]:
    """Give a page of audit rows (fetched with their actor) the actor's name, the role, the station and the
    action in words. One query for the page, whatever is on it: the stations of the auditor's centers."""
    stations = dict(Station.objects.filter(center_id__in=center_ids_for(user)).values_list("pk", "name"))
    for row in rows:
        person = row.actor if row.actor_id else None
        row.actor_name = str(person) if person is not None else _stored_actor(row.actor_label)
        row.role_label = role_display(row.role)
        row.station_name = stations.get(row.station_id_at, "")
        row.action_label = action_label(row.action)
    return rows


def _stored_actor(label: str) -> str:
    if label == "system":
        return _("System")
    return label or _("No account (visitor or system)")


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
    """The center a supervisor manages (the first, if several), or None."""
    from .models import Center

    ids = supervised_center_ids(user)
    return Center.objects.filter(pk__in=ids).order_by("pk").first() if ids else None


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
