"""Every write to the organisation goes through these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.models import Center, DutyShift, Membership, Resident, Role, Station, User, generated_username
from centers.policies import auditor_role_problem, can_manage_staff, center_ids_for, forget_memberships
from centers.records.selectors import lookalike_message, resident_lookalikes
from centers.records.services import resident_link_signup
from centers.selectors import may_take_shift


@transaction.atomic
def resident_register_self(*, user: User, full_name: str, station: Station) -> Resident:
    """A person who signed up gets their resident record; called by the sign-up form. The record takes
    the mobile number only once it is verified (resident_phone_verified): until then no message goes there."""
    resident = Resident(
        center=station.center,
        station=station,
        user=user,
        full_name=full_name,
        phone=user.phone if user.phone_verified else "",
    )
    resident.full_clean()
    resident.save()
    audit_record(actor=user, action="resident.register", obj=resident)
    return resident


@transaction.atomic
def user_phone_release_unverified(*, phone: str, keep: User) -> int:
    """A number nobody has verified belongs to nobody: when someone signs up with it (or adds it),
    other accounts that typed it but never confirmed it lose it. Returns how many lost it."""
    others = User.objects.filter(phone=phone, phone_verified=False).exclude(pk=keep.pk)
    released = list(others.values_list("pk", flat=True))
    if released:
        User.objects.filter(pk__in=released).update(phone="")
        Resident.objects.filter(user_id__in=released, phone=phone).update(phone="")
        for pk in released:
            audit_record(
                actor=None, action="user.phone_released", object_type="centers.user", object_id=pk, actor_label="system"
            )
    return len(released)


@transaction.atomic
def resident_phone_verified(*, user: User, phone: str) -> User:
    """The person typed the code sent to `phone`: the number is theirs. Their resident record takes it, or,
    when staff already keep a record with this number at their center, that record becomes theirs."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.phone = phone
    user.phone_verified = True
    user.full_clean(exclude=["password"])
    user.save(update_fields=["phone", "phone_verified"])
    audit_record(actor=user, action="user.phone_verified", obj=user)
    resident = Resident.objects.filter(user=user).first()
    if resident is not None:
        resident_link_signup(resident=resident, phone=phone)
    return user


@transaction.atomic
def resident_create_by_staff(
    *,
    actor: User,
    center: Center,
    full_name: str,
    phone: str = "",
    station: Station | None = None,
    birth_date: dt.date | None = None,
    gender: str = "",
    guardian: Resident | None = None,
    create_anyway: bool = False,
    not_offered: Iterable[int] = (),
) -> Resident:
    """Staff register a walk-in or hotline caller who has no account. One record per person: when the
    center already keeps someone with this number, or with this name, birth year and station, that record
    is offered instead (a ValidationError naming them, code "lookalike"), unless staff confirm it is
    someone else (`create_anyway`). Records the staff member may not see (`not_offered`) are never named."""
    if center.pk not in center_ids_for(actor):
        raise PermissionDenied
    if not create_anyway:
        match = (
            resident_lookalikes(
                center_id=center.pk, full_name=full_name, birth_date=birth_date, station=station, phone=phone
            )
            .exclude(pk__in=list(not_offered))
            .first()
        )
        if match is not None:
            raise ValidationError(
                {"full_name": lookalike_message(match)},
                code="lookalike",
            )
    resident = Resident(
        center=center,
        station=station,
        full_name=full_name,
        phone=phone,
        birth_date=birth_date,
        gender=gender,
        guardian=guardian,
        created_by=actor,
    )
    resident.full_clean()
    resident.save()
    audit_record(actor=actor, action="resident.create", obj=resident)
    return resident


@transaction.atomic
def staff_account_create(
    *,
    actor: User | None,
    center: Center,
    role: str,
    email: str,
    display_name: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    station: Station | None = None,
    password: str | None = None,
) -> User:
    """A supervisor (or an administrator, actor=None from the shell) creates a staff account with a role."""
    if actor is not None and not can_manage_staff(actor, center.pk):
        raise PermissionDenied
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    user = User(
        username=generated_username("staff"),
        email=email,
        display_name=display_name,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        password=make_password(password) if password else make_password(None),
    )
    user.full_clean()
    user.save()
    membership_grant(actor=actor, user=user, center=center, role=role, station=station)
    return user


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, center: Center, role: str, station: Station | None = None
) -> Membership:
    """Give a person a role in a center or at one of its stations; the change is audited."""
    if actor is not None and not can_manage_staff(actor, center.pk):
        raise PermissionDenied
    membership = Membership.objects.filter(user=user, center=center, station=station, role=role).first()
    if membership is not None and membership.is_active:
        return membership  # nothing changes, nothing to audit
    if role == Role.AUDITOR and (problem := auditor_role_problem(user)):
        raise ValidationError({"role": problem})
    if membership is None:
        membership = Membership(user=user, center=center, station=station, role=role)
    membership.is_active = True
    membership.full_clean()
    membership.save()
    forget_memberships(user)
    audit_record(
        actor=actor,
        action="membership.grant",
        obj=membership,
        center_id=center.pk,
        station_id=station.pk if station else None,
        detail={"user": user.pk, "role": role},
        actor_label=None if actor else "system",
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User | None, membership: Membership) -> Membership:
    """Withdraw a role; the account keeps its history."""
    if actor is not None and not can_manage_staff(actor, membership.center_id):
        raise PermissionDenied
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    forget_memberships(membership.user)
    audit_record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        detail={"user": membership.user_id, "role": membership.role},
        actor_label=None if actor else "system",
    )
    duty_shifts_end_ineligible(actor=actor, user=membership.user, center=membership.center)
    return membership


@transaction.atomic
def account_deactivate(*, actor: User | None, user: User) -> User:
    """Deactivate a staff account: it can no longer sign in, and its current and future shifts end."""
    if actor is not None and not any(can_manage_staff(actor, pk) for pk in center_ids_for(user)):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="account.deactivate", obj=user, actor_label=None if actor else "system")
    duty_shifts_end_ineligible(actor=actor, user=user)
    return user


@transaction.atomic
def duty_shifts_end_ineligible(*, actor: User | None, user: User, center: Center | None = None) -> int:
    """End the shifts the on-duty rule no longer counts for the person (role withdrawn, account deactivated):
    a future shift is removed, a running one ends now; past shifts stay on the record. Each is audited, and the
    roster and the console show the gap it leaves. Returns how many shifts changed."""
    now = timezone.now()
    shifts = DutyShift.objects.select_for_update().filter(user=user, ends_at__gt=now)
    if center is not None:
        shifts = shifts.filter(center=center)
    changed = 0
    for shift in shifts.select_related("center"):
        if may_take_shift(user=user, center=shift.center, kind=shift.kind, is_crisis_team=shift.is_crisis_team):
            continue
        detail = {"user": user.pk, "kind": shift.kind, "crisis_team": shift.is_crisis_team}
        label = None if actor else "system"
        if shift.starts_at >= now:
            audit_record(actor=actor, action="duty_shift.delete", obj=shift, detail=detail, actor_label=label)
            shift.delete()
        else:
            shift.ends_at = now
            shift.save(update_fields=["ends_at"])
            audit_record(actor=actor, action="duty_shift.end", obj=shift, detail=detail, actor_label=label)
        changed += 1
    return changed
