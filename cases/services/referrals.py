"""Referrals to partners, their status, and the partner's single-use feedback link."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policies
from cases.casework import FINISHED_REFERRAL_STATUSES, referral_token_hash
from cases.models import Case, EventKind, ReferralStatus
from cases.referrals.models import REFERRAL_TRANSITIONS, Referral, ReferralBasis, ReferralLink
from cases.services.common import case_audit, event_add, permission_require
from cases.services.follow_ups import (
    follow_up_reassessment_add,
)
from centers.models import PartnerInstitution, User


@transaction.atomic
def referral_create(
    *, case: Case, partner: PartnerInstitution, basis: str, reason: str, actor: User, emergency_reason: str = ""
) -> Referral:
    """Refer to a partner: a disclosure, only with the person's consent or a recorded emergency basis."""
    permission_require(policies.can_work_case(actor, case))
    if basis not in ReferralBasis.values:
        raise ValidationError({"basis": _("Choose the legal basis of this referral.")})
    if not partner.is_active:
        raise ValidationError({"partner": _("This partner no longer takes referrals.")})
    referral = Referral(
        case=case,
        partner=partner,
        basis=basis,
        emergency_reason=(emergency_reason or "").strip(),
        reason=(reason or "").strip(),
        sent_by=actor,
    )
    referral.full_clean()
    referral.save()
    event_add(case, actor, EventKind.REFERRAL, to_value=ReferralStatus.SENT, reason=partner.name)
    case_audit(actor, "case.disclose", case, referral=referral.pk, partner=partner.pk, basis=basis)
    return referral


def _referral_status(
    referral: Referral, *, status: str, feedback: str, actor: User | None, via_link: bool, now: dt.datetime
) -> Referral:
    if status != referral.status:
        if status not in REFERRAL_TRANSITIONS.get(ReferralStatus(referral.status), set()):
            raise ValidationError(
                {
                    "status": _("A referral cannot go from “%(from)s” to “%(to)s”.")
                    % {
                        "from": ReferralStatus(referral.status).label,
                        "to": ReferralStatus(status).label if status in ReferralStatus.values else status,
                    }
                }
            )
        referral.status = status
        if status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
            referral.responded_at = now
        if status == ReferralStatus.COMPLETED:
            referral.completed_at = now
    feedback = (feedback or "").strip()
    if feedback:
        referral.feedback = f"{referral.feedback}\n\n{feedback}".strip()
        referral.feedback_at = now
        referral.feedback_via_link = via_link
    referral.full_clean()
    referral.save()
    if not REFERRAL_TRANSITIONS.get(ReferralStatus(referral.status)):  # finished: its unused partner links die with it
        ReferralLink.objects.filter(referral=referral, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    case = referral.case
    event_add(case, actor, EventKind.REFERRAL, to_value=referral.status, reason=referral.partner.name, at=now)
    case_audit(actor, "referral.update", case, referral=referral.pk, status=referral.status, via_link=via_link)
    if feedback:
        follow_up_reassessment_add(case, now=now)
    return referral


@transaction.atomic
def referral_update(*, referral: Referral, actor: User, status: str, feedback: str = "") -> Referral:
    """Staff record the partner's answer and feedback."""
    permission_require(policies.can_work_case(actor, referral.case))
    referral = Referral.objects.select_for_update().select_related("case", "partner").get(pk=referral.pk)
    return _referral_status(referral, status=status, feedback=feedback, actor=actor, via_link=False, now=timezone.now())


@transaction.atomic
def referral_link_create(*, referral: Referral, actor: User) -> tuple[ReferralLink, str]:
    """A single-use, expiring link for the partner; the token is shown once and only its hash is kept."""
    permission_require(policies.can_work_case(actor, referral.case))
    now = timezone.now()
    ReferralLink.objects.filter(referral=referral, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = ReferralLink.objects.create(
        referral=referral,
        token_hash=referral_token_hash(token),
        expires_at=now + dt.timedelta(hours=settings.CASES_REFERRAL_LINK_HOURS),
        created_by=actor,
    )
    case_audit(actor, "referral.link", referral.case, referral=referral.pk)
    return link, token


@transaction.atomic
def referral_link_submit(*, token: str, status: str, feedback: str) -> Referral:
    """The partner answers through the link; the link is spent in the same transaction."""
    link = ReferralLink.objects.select_for_update().filter(token_hash=referral_token_hash(token)).first()
    now = timezone.now()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise PermissionDenied
    if link.referral.status in FINISHED_REFERRAL_STATUSES:
        raise PermissionDenied
    if not (feedback or "").strip():
        raise ValidationError({"feedback": _("Please write your feedback.")})
    referral = Referral.objects.select_for_update().select_related("case", "partner").get(pk=link.referral_id)
    referral = _referral_status(referral, status=status, feedback=feedback, actor=None, via_link=True, now=now)
    link.used_at = now
    link.save(update_fields=["used_at"])
    return referral
