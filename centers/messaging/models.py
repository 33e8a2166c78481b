"""The outbox: every message the portal sends is a row here first, written in the transaction that causes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    ALERT = "alert", _("Crisis alert")
    ESCALATION = "escalation", _("Escalation")
    CALLBACK = "callback", _("Callback request")
    CONVERSATION = "conversation", _("Waiting conversation")
    DEADLINE = "deadline", _("Missed deadline")
    HANDOVER = "handover", _("Duty hand-over")
    FOLLOW_UP = "follow_up", _("Follow-up")
    REMINDER = "reminder", _("Appointment message")
    WAITLIST_OFFER = "waitlist_offer", _("Waiting-list offer")
    WORKSHOP_NOTICE = "workshop_notice", _("Workshop notice")
    SIGN_IN_CODE = "sign_in_code", _("Sign-in code")
    VERIFICATION = "verification", _("Verification")
    ACCOUNT = "account", _("Account email")
    PARTNER_LINK = "partner_link", _("Partner link")
    DIGEST = "digest", _("Digest")
    AUDIT_ANCHOR = "audit_anchor", _("Audit anchor")
    TEST = "test", _("Test message")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom")
    WECHAT = "wechat", _("WeChat")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    UNCERTAIN = "uncertain", _("Sent, no answer yet")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No usable address")


class OutboundMessage(models.Model):
    center = models.ForeignKey("centers.Center", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    # Crisis work goes first: the dispatcher takes rows by priority, then age.
    priority = models.PositiveSmallIntegerField(default=5)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    template = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    link = models.URLField(max_length=500, blank=True)
    # Stable across retries; unique, so the code that causes a message can write it again without a twin.
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Set just before the dispatcher hands the message to its channel: a dispatcher that dies after this may have
    # sent it, so its row is never sent again on that channel (it waits for a receipt, as after a timeout).
    handed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # A crisis message that finally failed falls through to the next channel: that row points back here.
    fallback_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["priority", "next_attempt_at"],
                name="outbound_due",
                condition=Q(status__in=["pending", "uncertain"]),
            ),
            models.Index(fields=["center", "status", "created_at"], name="outbound_center_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.status}"
