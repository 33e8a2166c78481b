"""Referrals to partner institutions and the single-use links through which partners answer them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, ReferralStatus
from centers.infra.crypto import EncryptedTextField
from centers.models import PartnerInstitution

REFERRAL_TRANSITIONS = {
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED},
    ReferralStatus.ACCEPTED: {ReferralStatus.COMPLETED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.COMPLETED: set(),
}


class ReferralBasis(models.TextChoices):
    CONSENT = "consent", _("The person consented")
    EMERGENCY = "emergency", _("Emergency: life or health in danger")


class Referral(models.Model):
    """A referral to a partner institution: a disclosure, made only on consent or a recorded emergency."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(PartnerInstitution, on_delete=models.PROTECT, related_name="referrals")
    basis = models.CharField(_("legal basis"), max_length=10, choices=ReferralBasis.choices)
    emergency_reason = EncryptedTextField(_("emergency: what danger"), max_length=300, blank=True)
    reason = EncryptedTextField(_("what the partner is asked to do"))
    status = models.CharField(_("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    feedback = EncryptedTextField(_("partner feedback"), blank=True)
    feedback_at = models.DateTimeField(_("feedback received"), null=True, blank=True)
    feedback_via_link = models.BooleanField(_("entered by the partner"), default=False)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis="consent") | ~Q(emergency_reason=""), name="referral_emergency_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} → {self.partner}"

    def clean(self) -> None:
        if self.basis == ReferralBasis.EMERGENCY and not self.emergency_reason.strip():
            raise ValidationError({"emergency_reason": _("Say what danger makes this an emergency.")})
        if self.partner_id and self.case_id and self.partner.center_id != self.case.center_id:
            raise ValidationError({"partner": _("The partner works with another center.")})


class ReferralLink(models.Model):
    """A single-use, expiring link for the partner to answer one referral. Only the hash is stored."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("partner feedback link")
        verbose_name_plural = _("partner feedback links")

    def __str__(self) -> str:
        return f"link for referral {self.referral_id}"
