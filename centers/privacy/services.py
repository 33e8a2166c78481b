"""Writes of a person's rights over their data (PIPL Art. 44–47): give and withdraw consents, have the data
erased. Erasure anonymises: the person's identifying data is blanked while the rows that feed aggregate
figures (a session took place at a station, a screening was taken) stay, so the figures stay right. The
other apps blank their part through the ``person_anonymise`` point of centers.hooks.
"""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers import hooks
from centers.audit.log import audit_record
from centers.models import Resident, User
from centers.policies import can_record_erasure, center_ids_for, is_staff_member, resident_of
from centers.privacy.consent import current_version
from centers.privacy.models import ConsentObtained, ConsentRecord, ErasureOutcome, ErasureRequest

ANONYMISED_NAME = "（已匿名）"


@transaction.atomic
def consent_give(*, resident: Resident, purpose: str, actor: User, obtained_how: str | None = None) -> ConsentRecord:
    """Record a consent, with how it was obtained (the person's own on the portal; staff say how: in person by
    default, on paper, by phone). For anyone under 14 only the guardian (or staff recording the guardian's word)
    may give it."""
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


@transaction.atomic
def person_anonymise(*, resident: Resident, actor: User) -> ErasureRequest:
    """Erase a person on their own request (only the person themselves; staff use person_erase_by_staff).

    Consents are withdrawn, the account is closed, and every app blanks its part (hook ``person_anonymise``).
    A counseling record that must be kept (an open case, or a closed one inside the retention period: hook
    ``person_record_hold``) is not destroyed: the name stays with it, the mobile number stays while the
    counselor may still need to reach the person, and the request says what was kept and why.
    """
    me = resident_of(actor)
    if me is None or me.pk != resident.pk:
        raise PermissionDenied
    return _erase(resident=resident, actor=actor, by_staff=False, asked_by="")


@transaction.atomic
def person_erase_by_staff(*, resident: Resident, actor: User, asked_by: str) -> ErasureRequest:
    """A counselor or supervisor of the person's center records and carries out an erasure request for a child
    or for a person without an account (asked in person or by phone). The same rules as the person's own."""
    if not can_record_erasure(actor, resident):
        raise PermissionDenied
    asked_by = (asked_by or "").strip()
    if not asked_by:
        raise ValidationError(
            {"asked_by": _("Say who asked for the erasure: the person, or the parent or guardian of the child.")}
        )
    return _erase(resident=resident, actor=actor, by_staff=True, asked_by=asked_by[:120])


def _erase(*, resident: Resident, actor: User, by_staff: bool, asked_by: str) -> ErasureRequest:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.anonymised_at is not None:
        raise ValidationError(_("This record has already been erased."))
    holds = hooks.collect_list("person_record_hold", resident=resident)
    now = timezone.now()
    ConsentRecord.objects.filter(resident=resident, withdrawn_at__isnull=True).update(withdrawn_at=now)
    for provider in hooks.providers("person_anonymise"):
        provider(resident=resident, actor=actor)
    phone_kept = any(hold["contact_needed"] for hold in holds)
    if holds:
        # The record stays the person's: their name and year of birth stay with it; the mobile number only
        # while the counselor may still need to reach them for their safety.
        if not phone_kept:
            resident.phone = ""
        outcome = ErasureOutcome.RECORD_KEPT
    else:
        resident.full_name = ANONYMISED_NAME
        resident.phone = ""
        # Keep the year of birth only: age bands in the figures stay right, the person is not findable.
        if resident.birth_date:
            resident.birth_date = resident.birth_date.replace(month=1, day=1)
        resident.anonymised_at = now
        outcome = ErasureOutcome.ERASED
    user = resident.user
    resident.full_clean()
    resident.save()
    if user is not None:
        _close_account(user)
    request = ErasureRequest(
        resident=resident,
        center=resident.center,
        requested_at=now,
        carried_out_by=actor,
        by_staff=by_staff,
        asked_by=asked_by,
        outcome=outcome,
        kept=[{key: hold[key] for key in ("case_ref", "open", "until", "years")} for hold in holds],
        phone_kept=phone_kept,
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action="person.anonymise" if outcome == ErasureOutcome.ERASED else "person.erasure_record_kept",
        obj=resident,
        detail={
            "request": request.pk,
            "by_staff": by_staff,
            "kept": [hold["case_ref"] for hold in holds],
            "phone_kept": phone_kept,
        },
    )
    return request


def _close_account(user: User) -> None:
    user.username = f"erased-{secrets.token_hex(8)}"
    user.email = ""
    user.phone = ""
    user.phone_verified = False
    user.first_name = ""
    user.last_name = ""
    user.display_name = ""
    user.is_active = False
    user.password = make_password(None)
    user.save()
    _forget_allauth_addresses(user)


def _forget_allauth_addresses(user: User) -> None:
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    # A linked WeChat (its openid / unionid and nickname) would let the same person sign in again, and find them.
    SocialAccount.objects.filter(user=user).delete()
