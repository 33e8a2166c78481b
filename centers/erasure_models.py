"""Erasure requests: every "erase my data", by the person or recorded by staff, and what was kept and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ErasureOutcome", "ErasureRequest"]


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
