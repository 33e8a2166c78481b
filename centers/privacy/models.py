"""Consents and erasure requests: each consent a person gave (or a guardian for them), and every "erase my
data", by the person or recorded by staff, with what was kept and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    SCREENING = "screening", _("Self-screening questionnaires")
    CASE_RECORD = "case_record", _("Keeping a counseling case record")
    ONLINE_COUNSELING = "online_counseling", _("Online counseling conversations")


class ConsentObtained(models.TextChoices):
    """How a consent was obtained, kept with it so it can be shown later."""

    ONLINE = "online", _("Given on the portal by the person (or guardian) themselves")
    IN_PERSON = "in_person", _("Given in person to a staff member, who recorded it")
    PAPER = "paper", _("Signed on a paper form, recorded by a staff member")
    PHONE = "phone", _("Given by phone to a staff member, who recorded it")


class ConsentRecord(models.Model):
    """A separate, versioned consent (PIPL Art. 29 and 31) given by the person or their guardian."""

    resident = models.ForeignKey(
        "centers.Resident", on_delete=models.CASCADE, related_name="consents", verbose_name=_("resident")
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    version = models.CharField(_("version of the text"), max_length=20)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    by_guardian = models.BooleanField(_("given by the guardian"), default=False)
    obtained_how = models.CharField(
        _("how it was obtained"), max_length=20, choices=ConsentObtained.choices, default=ConsentObtained.ONLINE
    )
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_purpose_display()} · {self.version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ErasureOutcome(models.TextChoices):
    ERASED = "erased", _("Erased")
    RECORD_KEPT = "record_kept", _("Contact details and consents removed; the counseling record is kept")


class ErasureRequest(models.Model):
    """One erasure request, carried out when it is recorded. `kept` lists the counseling records that stay
    (case reference, open or kept until which day); `phone_kept` says whether the mobile number stays for
    safety. Nothing clinical is stored here."""

    resident = models.ForeignKey(
        "centers.Resident", on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("person")
    )
    center = models.ForeignKey("centers.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    carried_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_staff = models.BooleanField(_("recorded by staff"), default=False)
    asked_by = models.CharField(_("who asked"), max_length=120, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ErasureOutcome.choices)
    kept = models.JSONField(_("records kept"), default=list, blank=True)
    phone_kept = models.BooleanField(_("mobile number kept for safety"), default=False)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["erased", "record_kept"]), name="erasure_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"erasure {self.pk} resident {self.resident_id} {self.outcome}"
