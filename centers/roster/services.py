"""Writes of the duty roster: plan a shift, remove one that has not started."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.messaging.selectors import reachable_on_the_phone
from centers.models import Center, DutyShift, ShiftKind, Station, User
from centers.policies import center_ids_for
from centers.roster.policies import can_manage_roster, can_remove_shift
from centers.selectors import may_take_shift


def _shift_check_person(*, user: User, center: Center, kind: str, is_crisis_team: bool) -> None:
    """Refuse, with a sentence naming the person, anyone the on-duty rule would not count for this shift."""
    if may_take_shift(user=user, center=center, kind=kind, is_crisis_team=is_crisis_team):
        return
    if not user.is_active:
        message = _("%(name)s's account is deactivated; only active accounts can be put on duty.")
    elif center.pk not in center_ids_for(user):
        message = _("%(name)s holds no role at this center any more.")
    elif is_crisis_team or kind == ShiftKind.ONLINE_HOTLINE:
        message = _(
            "%(name)s cannot be put on the crisis team or on online and hotline duty: only a counselor or a "
            "supervisor of this center can take it."
        )
    else:
        message = _("%(name)s holds no role at this center that may take on-site duty.")
    raise ValidationError({"user": message % {"name": user}})


def shift_check_reachable(*, user: User, is_crisis_team: bool) -> None:
    """A member of the crisis team must be reachable by text message at any hour: a confirmed mobile number."""
    if is_crisis_team and not reachable_on_the_phone(user=user):
        message = _(
            "%(name)s has no confirmed mobile number. A member of the crisis team must be reachable by text message "
            "at any hour: they confirm their number under “How alerts reach me” first."
        )
        raise ValidationError({"user": message % {"name": user}})


@transaction.atomic
def duty_shift_create(
    *,
    actor: User,
    center: Center,
    kind: str,
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    station: Station | None = None,
    is_crisis_team: bool = False,
) -> DutyShift:
    """The supervisor plans any duty; a station manager plans on-site duty at their station."""
    if not can_manage_roster(actor, center.pk, station.pk if station else None):
        raise PermissionDenied
    if kind == ShiftKind.ONLINE_HOTLINE and not can_manage_roster(actor, center.pk):
        raise PermissionDenied
    _shift_check_person(user=user, center=center, kind=kind, is_crisis_team=is_crisis_team)
    shift_check_reachable(user=user, is_crisis_team=is_crisis_team)
    shift = DutyShift(
        center=center,
        station=station,
        kind=kind,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        is_crisis_team=is_crisis_team,
    )
    shift.full_clean()
    if DutyShift.objects.filter(user=user, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError(_("This person is already on duty during part of that time."))
    shift.save()
    audit_record(actor=actor, action="duty_shift.create", obj=shift, detail={"user": user.pk, "kind": kind})
    return shift


@transaction.atomic
def duty_shift_delete(*, actor: User, shift: DutyShift) -> None:
    """Remove a planned shift that has not started (never the one under way: alerts go to it)."""
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if not can_remove_shift(actor, shift):
        raise PermissionDenied
    now = timezone.now()
    if shift.ends_at <= now:
        raise ValidationError(_("A past shift stays on the record."))
    if shift.starts_at <= now:
        raise ValidationError(
            _("This shift is under way and people rely on it now. End it by adding a shift for whoever takes over.")
        )
    audit_record(actor=actor, action="duty_shift.delete", obj=shift, detail={"user": shift.user_id})
    shift.delete()
