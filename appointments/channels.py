"""Reminder channels. A channel finds an address for a person and sends one text there.

`settings.APPOINTMENT_REMINDER_CHANNELS` lists the channels in use, by name (``email``, ``sms``)
or by the dotted path of a class with the same two methods.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from centers.notify import email_send, sms_send


class ReminderChannel(Protocol):
    name: str

    def address_for(self, resident) -> str: ...

    def send(self, *, address: str, subject: str, text: str) -> None: ...


def _contact_person(resident):
    """A child's messages go to the guardian when the child has no contact of their own."""
    return resident


class EmailChannel:
    """Email through Django's configured email backend."""

    name = "email"

    def address_for(self, resident) -> str:
        for person in (resident, resident.guardian):
            if person is not None and person.user_id and person.user.email:
                return person.user.email
        return ""

    def send(self, *, address: str, subject: str, text: str) -> None:
        email_send(to=address, subject=subject, text=text)


class SMSChannel:
    """SMS through centers.notify (settings.SMS_BACKEND: console in development, locmem in tests)."""

    name = "sms"

    def address_for(self, resident) -> str:
        for person in (resident, resident.guardian):
            if person is None:
                continue
            # An account's number receives texts only once its owner confirmed it by the sign-up code.
            verified = person.user.phone if person.user_id and person.user.phone_verified else ""
            phone = person.phone or verified
            if phone:
                return phone
        return ""

    def send(self, *, address: str, subject: str, text: str) -> None:
        sms_send(phone=address, text=text)


CHANNELS: dict[str, type] = {"email": EmailChannel, "sms": SMSChannel}


def channel_by_name(name: str) -> ReminderChannel:
    cls = CHANNELS.get(name) or import_string(name)
    return cls()


def enabled_channels() -> list[ReminderChannel]:
    return [channel_by_name(name) for name in settings.APPOINTMENT_REMINDER_CHANNELS]
