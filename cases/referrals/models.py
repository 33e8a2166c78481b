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


class StationRequest(models.Model):
    """A contact staff took in for a person outside what they may see, passed to the station responsible.

    Staff intake finds people and cases only within the staff member's scope (issue 25, item 3). When the
    person belongs elsewhere, nothing of theirs is touched and the staff member learns nothing of it: the
    contact (channel, concern, the number and name as given) waits here for the responsible station's
    counselors, who take it up into the person's record (cases.services.station_requests)."""

    center = models.ForeignKey("centers.Center", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        "centers.Station", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # None: the center's own counselors and supervisors
    resident = models.ForeignKey(
        "centers.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # the record the number led to, if any (never shown to the sender)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(_("passed on"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20)
    source = models.CharField(_("source"), max_length=120, blank=True)
    phone = EncryptedTextField(_("mobile number as given"), max_length=11, blank=True)
    name_given = EncryptedTextField(_("name as given"), max_length=60, blank=True)
    summary = EncryptedTextField(_("presenting concern"), blank=True)
    sender_case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the case the sender opened meanwhile for the caller, if any
    taken_up_at = models.DateTimeField(_("taken up"), null=True, blank=True)
    taken_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("contact passed to a station")
        verbose_name_plural = _("contacts passed to a station")
        indexes = [models.Index(fields=["center", "station", "taken_up_at"], name="station_request_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken_up_at__isnull=True) | Q(case__isnull=False), name="station_request_taken_has_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {timezone.localtime(self.requested_at):%Y-%m-%d %H:%M}"

    def get_channel_display(self) -> str:
        from cases.models import Channel

        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel
