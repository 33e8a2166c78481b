"""Reminder channels. A channel finds an address for a person and sends one text there.

`settings.APPOINTMENT_REMINDER_CHANNELS` lists the channels in use, by name (``email``, ``sms``)
or by the dotted path of a class with the same two methods. Addresses follow centers.contacts: the
resident's own, else their guardian's.

WeChat comes first where it is set up (the official account's keys, so `wechat` is among the outbox's channels):
a resident (or guardian) who linked WeChat gets the WeChat template message instead of the SMS; email, where they
gave one, goes as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from centers.contacts import contact_email, contact_phone, contact_wechat
from centers.messaging.models import MessageKind
from centers.messaging.selectors import wechat_account_owner
from centers.models import Resident
from centers.notify import email_send, sms_send, wechat_send


@dataclass(frozen=True)
class ResidentMessage:
    """One message to a resident, whatever the channel: the text for email and the console, and for providers the
    registered template with its short parameters and the link a WeChat message opens."""

    subject: str
    text: str
    key: str = ""
    kind: str = MessageKind.REMINDER
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)
    link: str = ""


class ReminderChannel(Protocol):
    name: str

    def address_for(self, resident: Resident) -> str: ...

    def send(self, address: str, message: ResidentMessage) -> None: ...


class EmailChannel:
    """Email through Django's configured email backend."""

    name = "email"

    def address_for(self, resident: Resident) -> str:
        return contact_email(resident)

    def send(self, address: str, message: ResidentMessage) -> None:
        email_send(to=address, subject=message.subject, text=message.text, kind=message.kind, key=message.key)


class SMSChannel:
    """SMS through centers.notify (settings.SMS_BACKEND: console in development, locmem in tests); a provider sends
    the template registered for `message.template` (docs/messages.md lists each with its params)."""

    name = "sms"

    def address_for(self, resident: Resident) -> str:
        return contact_phone(resident)

    def send(self, address: str, message: ResidentMessage) -> None:
        sms_send(
            phone=address,
            text=message.text,
            kind=message.kind,
            key=message.key,
            template=message.template,
            params=message.params,
        )


class WeChatChannel:
    """An official-account template message to the resident's (or guardian's) linked WeChat."""

    name = "wechat"

    def address_for(self, resident: Resident) -> str:
        return contact_wechat(resident)

    def send(self, address: str, message: ResidentMessage) -> None:
        wechat_send(
            openid=address,
            subject=message.subject,
            text=message.text,
            kind=message.kind,
            key=message.key,
            template=message.template,
            params=message.params,
            link=message.link,
        )


CHANNELS: dict[str, type[ReminderChannel]] = {"email": EmailChannel, "sms": SMSChannel, "wechat": WeChatChannel}


def channel_by_name(name: str) -> ReminderChannel:
    cls: type[ReminderChannel] = CHANNELS.get(name) or import_string(name)
    return cls()


def enabled_channels() -> list[ReminderChannel]:
    names = list(settings.APPOINTMENT_REMINDER_CHANNELS)
    if "wechat" in getattr(settings, "FUCHENG_MESSAGE_CHANNELS", {}) and "wechat" not in names:
        names.insert(0, "wechat")
    return [channel_by_name(name) for name in dict.fromkeys(names)]


def channels_for(resident: Resident) -> list[tuple[ReminderChannel, str]]:
    """The channels that reach this resident, with the address on each: WeChat instead of SMS when they linked it
    and the account that linked it has that same number confirmed (a WeChat message refused for good goes there
    by SMS); otherwise both."""
    reached = [(channel, channel.address_for(resident)) for channel in enabled_channels()]
    reached = [(channel, address) for channel, address in reached if address]
    addresses = {channel.name: address for channel, address in reached}
    if "wechat" in addresses and "sms" in addresses:
        owner = wechat_account_owner(openid=addresses["wechat"])
        if owner is not None and owner.phone_verified and owner.phone == addresses["sms"]:
            reached = [(channel, address) for channel, address in reached if channel.name != "sms"]
    return reached
