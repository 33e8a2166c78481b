"""Writes of messages about appointments (confirmations, reminders, notices): their rows and their sending."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appointments.channels import ResidentMessage, channel_by_name, channels_for
from appointments.messages import message_place, portal_url, render_message
from appointments.models import (
    REMINDER_OFFSETS_HOURS,
    Appointment,
    AppointmentStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from centers.messaging.services import messages_dispatch_now
from centers.messaging.sms import sms_params

logger = logging.getLogger(__name__)


def _reachable_channels(appointment: Appointment) -> list[str]:
    """The enabled channels that have an address for the appointment's resident (WeChat instead of SMS for those
    who linked it); a channel listed twice in the settings still gets one row."""
    return [channel.name for channel, _address in channels_for(appointment.resident)]


def reminders_ensure(*, appointment: Appointment, kind: str, due_at: dt.datetime) -> list[Reminder]:
    """One message of a kind per reachable channel; asking twice (a retried request) makes no second row."""
    return [
        Reminder.objects.get_or_create(appointment=appointment, kind=kind, channel=name, defaults={"due_at": due_at})[0]
        for name in _reachable_channels(appointment)
    ]


def reminders_schedule(*, appointment: Appointment, now: dt.datetime) -> list[Reminder]:
    """The rows for a new booking: a confirmation now, reminders 24 h and 2 h before (those still ahead).

    The appointment was inserted in this transaction, so none of its rows can exist yet: one INSERT."""
    due = {ReminderKind.CONFIRMATION: now}
    for kind, hours in REMINDER_OFFSETS_HOURS.items():
        if appointment.starts_at - dt.timedelta(hours=hours) > now:
            due[kind] = appointment.starts_at - dt.timedelta(hours=hours)
    channels = _reachable_channels(appointment)
    return Reminder.objects.bulk_create(
        [
            Reminder(appointment=appointment, kind=kind, channel=name, due_at=at)
            for kind, at in due.items()
            for name in channels
        ]
    )


def _still_wanted(reminder: Reminder, now: dt.datetime) -> bool:
    appointment = reminder.appointment
    if reminder.kind == ReminderKind.CANCELLATION:
        return appointment.status == AppointmentStatus.CANCELLED
    if reminder.kind == ReminderKind.FEEDBACK:
        return appointment.status == AppointmentStatus.COMPLETED and not hasattr(appointment, "feedback")
    return appointment.status == AppointmentStatus.BOOKED and appointment.starts_at > now


def reminders_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send the messages that are due, each in its own transaction; a sent or locked row is never sent again."""
    now = now or timezone.now()
    sent = 0
    ids = list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "appointment__resident__user",
                    "appointment__resident__guardian__user",
                    "appointment__center",
                    "appointment__station",
                    "appointment__counselor",
                )
                .filter(pk=pk, status=ReminderStatus.PENDING)
                .first()
            )
            if reminder is None:
                continue  # another sweep has it, or sent it already
            if not _still_wanted(reminder, now):
                reminder.status = ReminderStatus.CANCELLED
                reminder.save(update_fields=["status"])
                continue
            channel = channel_by_name(reminder.channel)
            address = channel.address_for(reminder.appointment.resident)
            subject, text = render_message(reminder)
            reminder.attempts += 1
            try:
                # Handed to the outbox (centers.messaging), which retries and records the delivery.
                channel.send(
                    address,
                    ResidentMessage(
                        subject=subject,
                        text=text,
                        key=f"reminder:{reminder.pk}",
                        template=f"appointment_{reminder.kind}",
                        params=sms_params(reminder.appointment.starts_at, message_place(reminder.appointment)),
                        link=portal_url(reverse("appointments:detail", args=[reminder.appointment_id])),
                    ),
                )
            except Exception as exc:  # a channel failure is recorded; three strikes and the row fails
                logger.warning("reminder %s failed: %s", reminder.pk, exc)
                reminder.last_error = str(exc)[:200]
                if reminder.attempts >= 3:
                    reminder.status = ReminderStatus.FAILED
                reminder.save(update_fields=["attempts", "last_error", "status"])
                continue
            reminder.status = ReminderStatus.SENT
            reminder.sent_at = now
            reminder.save(update_fields=["status", "sent_at", "attempts"])
            sent += 1
    messages_dispatch_now()
    return sent
