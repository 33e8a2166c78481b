"""Crisis alerts, the callback requests an open alert gathers, and the outbox of notifications (alerts,
follow-ups, conversations, missed deadlines)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import AlertLevel, Case, Channel
from centers.models import Center, Station


class CrisisAlert(models.Model):
    """A crisis alert: a database row first; the sweep escalates it by the center's timers."""

    Level = AlertLevel  # defined beside the case timeline, which labels escalations

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="alerts")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="crisis_alerts")
    station = models.ForeignKey(Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(
        _("reason"), max_length=30, choices=Channel.choices + [("judgement", _("Counselor judgement"))]
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=Level.choices, default=Level.TEAM)
    escalated_at = models.DateTimeField(_("last escalated"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    first_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    callback_phone = models.CharField(_("call back on"), max_length=20, blank=True)
    nobody_on_duty = models.BooleanField(
        _("nobody eligible was on duty"),
        default=False,
        help_text=_("The alert went at once to the supervisors and the escalation contact."),
    )

    class Meta:
        verbose_name = _("crisis alert")
        verbose_name_plural = _("crisis alerts")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["center", "acknowledged_at"], name="alert_center_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(acknowledged_at__isnull=True), name="alert_one_open_per_case"
            ),
            models.CheckConstraint(condition=Q(level__in=[0, 1, 2]), name="alert_level_valid"),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def contact_due_at(self):
        return self.raised_at + dt.timedelta(hours=1)

    @property
    def acknowledged_in_time(self) -> bool:
        return bool(
            self.acknowledged_at
            and (self.acknowledged_at - self.raised_at).total_seconds() <= self.center.alert_ack_minutes * 60
        )


class CallbackRequest(models.Model):
    """A person's request to be called back, on the crisis alert it raised or joined.

    The first acute signal raises the alert; each further one while the alert is open (a second "help
    now", an acute screening, a risk phrase, a visitor's callback) is a new row the counselor sees with its
    time, and notifies the team again. A visitor's request also keeps a keyed hash of the client address,
    never the address itself, so requests can be counted per address.
    """

    class Source(models.TextChoices):
        HELP_NOW = "help_now", _('"I need help now" request')
        SCREENING = "screening", _("Acute screening")
        ONLINE_CONSULT = "online_consult", _("Risk phrase in an online conversation")
        HOTLINE = "hotline", _("Hotline call")
        VISITOR = "visitor", _("Callback request without an account")

    alert = models.ForeignKey(CrisisAlert, on_delete=models.CASCADE, related_name="requests")
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    phone = models.CharField(_("call back on"), max_length=20, blank=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    client_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        ordering = ["requested_at", "pk"]
        indexes = [
            models.Index(fields=["phone", "requested_at"], name="callback_phone_time"),
            models.Index(fields=["client_key", "requested_at"], name="callback_client_time"),
        ]

    def __str__(self) -> str:
        return f"callback request {self.pk} alert {self.alert_id}"


class Notification(models.Model):
    """An outgoing message, stored before it is sent: the sweep sends what is unsent, once."""

    class ChannelKind(models.TextChoices):
        WORKSPACE = "workspace", _("Workspace")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(
        CrisisAlert, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    follow_up = models.ForeignKey(
        "FollowUp", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    conversation = models.ForeignKey(
        "Conversation", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    callback_request = models.ForeignKey(
        CallbackRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    level = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=10, choices=ChannelKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What a message that belongs to no alert, follow-up or conversation is about (a missed deadline, a
    # consultation, a coverage digest): with the level, channel and address, it is sent once.
    key = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "channel"], name="notification_unsent")]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "level", "channel", "address"],
                condition=Q(alert__isnull=False, callback_request__isnull=True),
                name="notification_once_per_alert_level",
            ),
            models.UniqueConstraint(
                fields=["callback_request", "channel", "address"],
                condition=Q(callback_request__isnull=False),
                name="notification_once_per_callback_request",
            ),
            models.UniqueConstraint(
                fields=["follow_up", "level", "channel", "address"],
                condition=Q(follow_up__isnull=False),
                name="notification_once_per_followup_level",
            ),
            models.UniqueConstraint(
                fields=["conversation", "level", "channel", "address"],
                condition=Q(conversation__isnull=False),
                name="notification_once_per_conversation_level",
            ),
            models.UniqueConstraint(
                fields=["key", "level", "channel", "address"],
                condition=~Q(key=""),
                name="notification_once_per_key_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address} {self.subject}"
