"""Writes for a person's erasure: what this app holds of them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentStatus,
    Feedback,
    Reminder,
    ReminderStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from centers.audit.log import audit_record
from centers.models import Resident, User


@transaction.atomic
def resident_anonymise(*, resident: Resident, actor: User | None) -> None:
    """Blank the free text this app holds of a person (reasons, addresses, comments); dates and counts stay
    for the statistics. Future bookings are cancelled."""
    appointments = Appointment.objects.filter(resident=resident)
    for appointment in appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now()):
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = timezone.now()
        appointment.save(update_fields=["status", "cancelled_at"])
        appointment.reminders.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.CANCELLED)
    appointments.update(reason="", visit_address="")
    Feedback.objects.filter(appointment__resident=resident).update(comment="")
    Reminder.objects.filter(appointment__resident=resident, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED
    )
    WaitlistEntry.objects.filter(resident=resident, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]).update(
        status=WaitlistStatus.LEFT
    )
    audit_record(actor=actor, action="appointments.anonymise", obj=resident, actor_label=None if actor else "system")
