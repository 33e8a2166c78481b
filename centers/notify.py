"""Outbound messages through pluggable channels: email (Django's backend) and SMS."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("fucheng.notify")


class SMSBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class ConsoleSMSBackend:
    """Prints messages instead of sending them: for development and the demo."""

    def send(self, *, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


class LocmemSMSBackend:
    """Keeps messages in memory; tests read `outbox`."""

    outbox: list[dict[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append({"phone": phone, "text": text})


def sms_send(*, phone: str, text: str) -> None:
    """Send one SMS, signed with the 【signature】 of the recipient's own center (centers_own)."""
    from .centers_own import signed_sms_text  # centers_own reads models, which import this module's app

    import_string(settings.SMS_BACKEND)().send(phone=phone, text=signed_sms_text(phone=phone, text=text))


def email_send(*, to: str, subject: str, text: str) -> None:
    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
