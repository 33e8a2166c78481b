"""Online consultation: private text conversations between a resident (or a guardian for a child) and
the counselor on duty. Message text is clinical content: encrypted at rest, like case notes.

Models of the cases app, loaded by CasesConfig.import_models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.infra.crypto import EncryptedTextField
from centers.models import Center, Resident, Station

# What a message may hold; attachments are not accepted at all (the page says so).
MESSAGE_MAX_LENGTH = 2000
HANDOVER_NOTE_MAX_LENGTH = 1000


class ConversationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a counselor")
    OPEN = "open", _("With a counselor")
    CLOSED = "closed", _("Closed")
    BLOCKED = "blocked", _("Blocked")


ACTIVE_STATUSES = (ConversationStatus.WAITING, ConversationStatus.OPEN)


class RiskCategory(models.TextChoices):
    SUICIDE = "suicide", _("Suicide")
    SELF_HARM = "self_harm", _("Self-harm")
    HARM_OTHERS = "harm_others", _("Harm to others")
    ABUSE = "abuse", _("Abuse")


class Conversation(models.Model):
    """One conversation of a person with the counselors on duty; never deleted, only closed."""

    # Not stored: set on the rows of the workspace's conversation panel (consult.selectors.consult_panel_for).
    waited_minutes: int
    overdue: bool

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="conversations", verbose_name=_("center"))
    station = models.ForeignKey(
        Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("station")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="conversations", verbose_name=_("person")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.WAITING
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("counselor"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("case"),
    )
    risk_flagged = models.BooleanField(_("risk phrase found"), default=False)
    risk_categories = models.JSONField(_("risk categories"), default=list, blank=True)
    risk_flagged_at = models.DateTimeField(_("risk found"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    waiting_since = models.DateTimeField(_("waiting since"), default=timezone.now)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    # 0: nobody alerted yet; 1: the duty team was told it waits; 2: the supervisors too.
    wait_alert_level = models.PositiveSmallIntegerField(_("waiting alert level"), default=0)
    # Read markers: the last message id each side has seen (unread counts are messages past them).
    resident_read_upto = models.PositiveBigIntegerField(default=0)
    staff_read_upto = models.PositiveBigIntegerField(default=0)
    handover_note = EncryptedTextField(_("hand-over note"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    block_reason = EncryptedTextField(_("reason for blocking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("online conversation")
        verbose_name_plural = _("online conversations")
        ordering = ["-risk_flagged", "waiting_since"]
        indexes = [
            models.Index(fields=["center", "status", "waiting_since"], name="conversation_center_status"),
            models.Index(fields=["counselor", "status"], name="conversation_counselor"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "center"],
                condition=Q(status__in=["waiting", "open"]),
                name="conversation_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "open", "closed", "blocked"]), name="conversation_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(counselor__isnull=False), name="conversation_open_has_counselor"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "open"]) | Q(closed_at__isnull=False),
                name="conversation_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("consult:conversation", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"OC{self.pk:06d}" if self.pk else ""

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def get_staff_url(self) -> str:
        return reverse("consult:staff_conversation", args=[self.pk])

    @property
    def risk_labels(self) -> list[str]:
        labels = dict(RiskCategory.choices)
        return [str(labels[c]) for c in self.risk_categories if c in labels]


class MessageKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COUNSELOR = "counselor", _("Counselor")
    SYSTEM = "system", _("System")


class SystemEvent(models.TextChoices):
    """What a system line in a conversation says (rendered in the reader's language)."""

    TAKEN = "taken", _("A counselor joined the conversation")
    HANDED_OVER = "handed_over", _("Your counselor changed")
    CLOSED = "closed", _("The conversation was closed")
    BLOCKED = "blocked", _("The conversation was blocked")
    CRISIS_ALERTED = "crisis_alerted", _("The crisis counselors on duty have been alerted")


class Message(models.Model):
    """One line of a conversation; the body is encrypted and never rendered as HTML."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(_("from"), max_length=10, choices=MessageKind.choices)
    event = models.CharField(_("event"), max_length=20, choices=SystemEvent.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # What the resident sees of the author: a title and family name only (王老师), fixed when written.
    author_label = models.CharField(max_length=40, blank=True)
    body = EncryptedTextField(_("message"), blank=True)
    risk = models.BooleanField(_("risk phrase found"), default=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation message")
        verbose_name_plural = _("conversation messages")
        ordering = ["pk"]
        indexes = [models.Index(fields=["conversation", "kind", "id"], name="message_conversation_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["resident", "counselor", "system"]), name="message_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} of {self.conversation_id}"


class Handover(models.Model):
    """A conversation passed from one counselor to the next at the end of a shift, with a short note."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="handovers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = EncryptedTextField(_("hand-over note"), blank=True)
    at = models.DateTimeField(_("handed over"), default=timezone.now)
    by_sweep = models.BooleanField(_("at the end of the shift"), default=False)

    class Meta:
        verbose_name = _("conversation hand-over")
        verbose_name_plural = _("conversation hand-overs")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"hand-over {self.pk} of {self.conversation_id}"


__all__ = [
    "ACTIVE_STATUSES",
    "HANDOVER_NOTE_MAX_LENGTH",
    "MESSAGE_MAX_LENGTH",
    "Conversation",
    "ConversationStatus",
    "Handover",
    "Message",
    "MessageKind",
    "RiskCategory",
    "SystemEvent",
]
