"""Channels that need no provider account: SMS through settings.SMS_BACKEND (the console in the demo, memory in
tests) and email through Django's email backend. Both implement centers.messaging.channels.Channel."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from centers.messaging.channels import ChannelError, Outgoing, SendResult

MESSAGE_KEY_HEADER = "X-Fucheng-Message"


def signed(message: Outgoing) -> str:
    """The text with the center's 【signature】 in front, as mainland SMS requires (once)."""
    if message.text.startswith("【") or not message.signature:
        return message.text
    return f"【{message.signature}】{message.text}"


class SMSBackendChannel:
    """SMS handed to settings.SMS_BACKEND (centers.notify.ConsoleSMSBackend prints it to the log)."""

    name = "sms"

    def send(self, message: Outgoing) -> SendResult:
        backend = import_string(str(settings.SMS_BACKEND))()
        backend.send(phone=message.address, text=signed(message))
        return SendResult(provider=type(backend).__name__.removesuffix("SMSBackend").lower() or "sms")


class EmailChannel:
    """Email through Django's configured backend (SMTP in production, the console in the demo)."""

    name = "email"

    def send(self, message: Outgoing) -> SendResult:
        try:
            EmailMessage(
                message.subject,
                message.text,
                settings.DEFAULT_FROM_EMAIL,
                [message.address],
                # The outbox key, so that a mail log can be matched to the portal's row (and a twin seen).
                headers={MESSAGE_KEY_HEADER: message.idempotency_key},
            ).send()
        except (OSError, TimeoutError) as exc:  # SMTP refused or unreachable: try again later
            raise ChannelError(f"email: {type(exc).__name__}: {exc}"[:300]) from exc
        return SendResult(provider="smtp" if "smtp" in settings.EMAIL_BACKEND else "email")
