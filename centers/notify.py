"""The two doors every message of the portal goes out by: `sms_send` and `email_send` write the message to the outbox
(centers.messaging.services) in the caller's transaction and send it at once when no transaction is open, else
right after the commit (and the outbox's sweep catches anything missed). The SMS backends here are what the
outbox's plain SMS channel hands texts to when no provider is set up: the console log, or memory in tests."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from centers.messaging.models import MessageChannel, MessageKind, OutboundMessage
from centers.messaging.selectors import wechat_account_owner
from centers.messaging.services import in_dispatch, message_queue, messages_dispatch_now
from centers.models import Center, User
from centers.own_numbers import signed_sms_text

logger = logging.getLogger("fucheng.notify")


class SMSBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class ConsoleSMSBackend:
    """Prints messages instead of sending them: for development and the demo."""

    def send(self, *, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


class LocmemSMSBackend:
    """Keeps messages in memory; tests read `outbox`. A text that did not come through the outbox is refused."""

    outbox: list[dict[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        if not in_dispatch():
            raise AssertionError(f"an SMS to {phone} bypassed the outbox (centers.messaging.services)")
        self.outbox.append({"phone": phone, "text": text})


def sms_send(
    *,
    phone: str,
    text: str,
    kind: str = MessageKind.ACCOUNT,
    key: str = "",
    user: User | None = None,
    center: Center | None = None,
    params: dict[str, str] | None = None,
    template: str = "",
) -> OutboundMessage:
    """Queue one SMS, signed with the 【signature】 of the recipient's own center (own_numbers), and send it.
    `key` makes it once-only ("workshop-offer:81"); without one, every call is a new message. A provider sends the
    template registered under `template` (default: the kind) in FUCHENG_SMS_TEMPLATES, filled with `params`."""
    row = message_queue(
        kind=kind,
        channel=MessageChannel.SMS,
        address=phone,
        text=signed_sms_text(phone=phone, text=text),
        key=key or f"{kind}:{uuid.uuid4().hex}",
        user=user,
        center=center,
        template=template or kind,
        params=params,
    )
    messages_dispatch_now()
    return row


def email_send(
    *,
    to: str,
    subject: str,
    text: str,
    kind: str = MessageKind.ACCOUNT,
    key: str = "",
    user: User | None = None,
    center: Center | None = None,
) -> OutboundMessage:
    """Queue one email and send it (as sms_send)."""
    row = message_queue(
        kind=kind,
        channel=MessageChannel.EMAIL,
        address=to,
        subject=subject,
        text=text,
        key=key or f"{kind}:{uuid.uuid4().hex}",
        user=user,
        center=center,
    )
    messages_dispatch_now()
    return row


def wechat_send(
    *,
    openid: str,
    subject: str,
    text: str,
    kind: str,
    key: str,
    template: str = "",
    params: dict[str, str] | None = None,
    link: str = "",
) -> OutboundMessage:
    """Queue one WeChat template message to a resident's openid and send it (as sms_send). The official account's
    template for `template` (else the kind) is filled from `params` (FUCHENG_WECHAT_TEMPLATES). Should WeChat
    refuse it for good (the person stopped following the official account), it goes by SMS to the confirmed
    number of the account that linked this WeChat."""
    row = message_queue(
        kind=kind,
        channel=MessageChannel.WECHAT,
        address=openid,
        user=wechat_account_owner(openid=openid),
        subject=subject,
        text=text,
        key=key,
        template=template or kind,
        params=params,
        link=link,
    )
    messages_dispatch_now()
    return row
