"""The audit log's rows and the signed anchors of its chain (written by centers.audit.log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class AuditEvent(models.Model):
    """One append-only row of who saw or changed what; rows are hash-chained.

    The database refuses UPDATE, and DELETE of rows younger than the retention
    period (see the migration that installs the triggers).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=40, blank=True)
    center_id_at = models.BigIntegerField(_("center"), null=True, blank=True)
    station_id_at = models.BigIntegerField(_("station"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.ALLOWED)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which of FUCHENG_AUDIT_KEYS made `hash` (an HMAC); empty on rows chained before keys were used (SHA-256).
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"


class AuditAnchorKind(models.TextChoices):
    HOURLY = "hourly", _("Hourly anchor")
    PURGE = "purge", _("After a purge")
    MANUAL = "manual", _("On demand")


class AuditAnchor(models.Model):
    """The audit chain's head and row count at a moment, signed with the audit key and also written outside
    the database, so that rows removed or rewritten later show. Append-only, like the rows it anchors.

    `base_id` / `base_hash`: rows up to `base_id` were purged, and the first remaining row links to `base_hash`
    (0 and the genesis hash when nothing was ever purged). `row_count` counts the rows after `base_id` up to
    and including `last_id`.
    """

    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=AuditAnchorKind.choices)
    last_id = models.BigIntegerField(_("last row"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    row_count = models.BigIntegerField(_("rows"))
    base_id = models.BigIntegerField(_("purged through row"), default=0)
    base_hash = models.CharField(_("chain start"), max_length=64)
    purged_rows = models.BigIntegerField(_("rows purged"), default=0)
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} #{self.last_id} ({self.row_count})"
