"""Legal holds (a record, or everything of a person, kept whatever its retention) and the monthly retention
reports (what became due, what is held)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.infra.crypto import EncryptedTextField


class LegalHold(models.Model):
    """Keeps one record (record type and id) or all records of one person, until a supervisor releases it.
    The reason may name a court or a complaint: encrypted at rest."""

    center = models.ForeignKey("centers.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    record_type = models.CharField(_("record type"), max_length=30, blank=True)
    object_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    resident = models.ForeignKey(
        "centers.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    reason = EncryptedTextField(_("reason for the hold"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resident__isnull=False, object_id__isnull=True, record_type=""))
                | (Q(resident__isnull=True, object_id__isnull=False) & ~Q(record_type="")),
                name="legal_hold_record_or_person",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True, released_by__isnull=True)
                | Q(released_at__isnull=False, released_by__isnull=False),
                name="legal_hold_release_complete",
            ),
        ]
        indexes = [models.Index(fields=["record_type", "object_id"], name="legal_hold_record")]

    def __str__(self) -> str:
        target = f"resident {self.resident_id}" if self.resident_id else f"{self.record_type} {self.object_id}"
        return f"legal hold {self.pk} {target}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionReport(models.Model):
    """One center's retention report for one month, written on the 1st by the beat (or by the command):
    per record type how many records become due that month and how many of them are held, and the holds in
    force (ids, dates and codes only; no content)."""

    center = models.ForeignKey("centers.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    month = models.DateField(_("month"))
    generated_at = models.DateTimeField(_("written"), default=timezone.now)
    rows = models.JSONField(_("due per record type"), default=list)
    holds = models.JSONField(_("holds in force"), default=list)

    class Meta:
        verbose_name = _("retention report")
        verbose_name_plural = _("retention reports")
        ordering = ["-month", "center_id"]
        constraints = [models.UniqueConstraint(fields=["center", "month"], name="retention_report_one_per_month")]

    def __str__(self) -> str:
        return f"retention report {self.center_id} {self.month:%Y-%m}"
