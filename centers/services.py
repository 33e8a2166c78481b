"""Every write to the organisation goes through these functions."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import Center, ConsentObtained, ConsentRecord, Membership, Resident, Station, User, generated_username
from .policies import can_manage_staff, center_ids_for, forget_memberships, is_staff_member, resident_of


@transaction.atomic
def resident_register_self(*, user: User, full_name: str, station: Station) -> Resident:
    """A person who signed up gets their resident record; called by the sign-up form."""
    resident = Resident(center=station.center, station=station, user=user, full_name=full_name, phone=user.phone)
    resident.full_clean()
    resident.save()
    audit_record(actor=user, action="resident.register", obj=resident)
    return resident


@transaction.atomic
def resident_create_by_staff(
    *,
    actor: User,
    center: Center,
    full_name: str,
    phone: str = "",
    station: Station | None = None,
    birth_date=None,
    gender: str = "",
    guardian: Resident | None = None,
) -> Resident:
    """Staff register a walk-in or hotline caller who has no account."""
    if center.pk not in center_ids_for(actor):
        raise PermissionDenied
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
    return membership


@transaction.atomic
def consent_give(*, resident: Resident, purpose: str, actor: User, obtained_how: str | None = None) -> ConsentRecord:
    """Record a consent, with how it was obtained (the person's own on the portal; staff say how: in person by
    default, on paper, by phone). For anyone under 14 only the guardian (or staff recording the guardian's word)
    may give it."""
    from .consent import current_version

    acting_resident = resident_of(actor)
    by_guardian = False
    by_staff = False
    if acting_resident is not None and acting_resident.pk == resident.pk:
        if resident.needs_guardian_consent:
            raise ValidationError(_("For a child under 14, a parent or guardian must give this consent."))
    elif acting_resident is not None and resident.guardian_id == acting_resident.pk:
        by_guardian = True
    elif is_staff_member(actor) and resident.center_id in center_ids_for(actor):
        by_guardian = resident.needs_guardian_consent
        by_staff = True
    else:
        raise PermissionDenied
    if not by_staff:
        obtained_how = ConsentObtained.ONLINE
    elif obtained_how in (None, ConsentObtained.ONLINE):
        obtained_how = ConsentObtained.IN_PERSON  # staff record what they were told, never "online by the person"
    existing = (
        ConsentRecord.objects.select_for_update()
        .filter(resident=resident, purpose=purpose, withdrawn_at__isnull=True)
        .first()
    )
    version = current_version(purpose)
    if existing is not None and existing.version == version:
        return existing
    if existing is not None:
        existing.withdrawn_at = timezone.now()
        existing.save(update_fields=["withdrawn_at"])
    record = ConsentRecord(
        resident=resident,
        purpose=purpose,
        version=version,
        given_by=actor,
        by_guardian=by_guardian,
        obtained_how=obtained_how,
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        action="consent.give",
        obj=resident,
        detail={"purpose": purpose, "version": version, "obtained": obtained_how},
    )
    return record


@transaction.atomic
def consent_withdraw(*, resident: Resident, purpose: str, actor: User) -> None:
    """Withdraw a consent: no new processing for that purpose from now on."""
    me = resident_of(actor)
    if me is None or (me.pk != resident.pk and resident.guardian_id != me.pk):
        raise PermissionDenied
    updated = ConsentRecord.objects.filter(resident=resident, purpose=purpose, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if updated:
        audit_record(actor=actor, action="consent.withdraw", obj=resident, detail={"purpose": purpose})
