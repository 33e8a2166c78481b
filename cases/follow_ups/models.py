"""Follow-ups: contacts due on a date, by tier and after closure, and the rhythm that sets their dates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, FollowUpKind, SpecialTag, Tier, choice_label
from centers.infra.crypto import EncryptedTextField
from centers.models import Center, ServiceGroup, Station

# Follow-up rhythm in days (ARCHITECTURE.md section 3); special populations set a minimum rhythm.
TIER_FOLLOW_UP_DAYS = {Tier.HIGH_RISK: 7, Tier.SERIOUS: 14, Tier.GENERAL: 30}
TAG_FOLLOW_UP_DAYS = {
    SpecialTag.COMMUNITY_CORRECTION: 14,
    SpecialTag.DRUG_REHABILITATION: 14,
    SpecialTag.SEVERE_MENTAL_ILLNESS: 14,
    SpecialTag.MINOR: 14,
    SpecialTag.ELDERLY_ALONE: 14,
    SpecialTag.MIGRANT_WORKER: 30,
}
POST_CLOSURE_FOLLOW_UP_DAYS = (30, 90)


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def open(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True, cancelled_at__isnull=True)


class FollowUp(models.Model):
    """A follow-up contact due on a date, done by a counselor or an assigned volunteer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.REGULAR)
    due_at = models.DateTimeField(_("due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("assigned to"),
    )
    service_group = models.ForeignKey(
        ServiceGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reached = models.BooleanField(_("person reached"), null=True, blank=True)
    outcome = EncryptedTextField(_("what happened (no clinical detail)"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["center", "done_at", "due_at"], name="followup_center_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(done_at__isnull=True, cancelled_at__isnull=True, kind="regular"),
                name="followup_one_open_regular_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} case {self.case_id} {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def kind_label(self) -> str:
        return choice_label(FollowUpKind, self.kind)
