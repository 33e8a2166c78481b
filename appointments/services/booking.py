"""Writes of bookings: book (online, by staff), cancel and move an appointment."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import (
    ACTIVE_Q,
    Appointment,
    AppointmentStatus,
    Channel,
    ReminderKind,
    ReminderStatus,
    Slot,
    SlotStatus,
)
from appointments.policies import can_book_for_others, can_book_for_resident, staff_can_see_appointment
from appointments.selectors import fair_share_refusal
from appointments.services.holds import slot_hold_release
from appointments.services.reminders import reminders_ensure, reminders_schedule
from centers.audit.log import audit_record
from centers.infra.enqueue import enqueue_after_commit
from centers.models import Resident, User
from centers.services import resident_create_by_staff


class SlotTaken(ValidationError):
    """The time was taken (or held) by someone else a moment ago; the caller offers the nearest free times."""

    def __init__(self, slot: Slot):
        super().__init__(_("That time was just taken. Here are the nearest free times."), code="slot_taken")
        self.slot = slot


def _check_bookable(
    *, slot: Slot, resident: Resident, booked_by: User, channel: str, now: dt.datetime, by_staff: bool
) -> None:
    if not by_staff:
        if not can_book_for_resident(booked_by, resident):
            raise ValidationError(_("You can only book for yourself or for a child in your care."))
    elif not can_book_for_others(booked_by, slot.center_id):
        raise PermissionDenied
    if resident.center_id != slot.center_id:
        raise ValidationError(_("This time belongs to another center. Please choose a time at your own center."))
    if resident.anonymised_at is not None:
        raise ValidationError(_("This person's record has been closed."))
    if slot.status != SlotStatus.OPEN:
        raise ValidationError(_("This time is no longer offered. Please choose another time."))
    if slot.starts_at <= now:
        raise ValidationError(_("That time has already passed. Please choose a later time."))
    if not by_staff:
        cutoff = slot.center.cancel_cutoff_hours
        if slot.starts_at < now + dt.timedelta(hours=cutoff):
            raise ValidationError(
                _("Online booking closes %(hours)s hours before a session. For an earlier time, please call %(phone)s.")
                % {"hours": cutoff, "phone": slot.center.hotline}
            )
        horizon = settings.APPOINTMENT_BOOKING_HORIZON_DAYS
        if slot.starts_at > now + dt.timedelta(days=horizon):
            raise ValidationError(_("You can book at most %(days)s days ahead.") % {"days": horizon})


@transaction.atomic
def appointment_book(
    *,
    slot: Slot,
    resident: Resident,
    booked_by: User,
    channel: str = Channel.ONLINE,
    reason: str = "",
    visit_address: str = "",
    now: dt.datetime | None = None,
    rescheduled_from: Appointment | None = None,
    by_staff: bool | None = None,
) -> Appointment:
    """Book one slot for one resident. Locks the slot, the resident and the counselor rows it decides on, so of
    many simultaneous bookings of a slot exactly one succeeds; the others get SlotTaken."""
    now = now or timezone.now()
    try:
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
    except Slot.DoesNotExist as exc:
        raise ValidationError(_("This time does not exist. Please choose another time.")) from exc
    resident = Resident.objects.select_for_update(of=("self",)).select_related("guardian").get(pk=resident.pk)
    if by_staff is None:
        by_staff = channel not in (Channel.ONLINE, Channel.WAITLIST)
    _check_bookable(slot=slot, resident=resident, booked_by=booked_by, channel=channel, now=now, by_staff=by_staff)
    if slot.held_until and slot.held_until > now and slot.held_for_id != resident.pk:
        raise SlotTaken(slot)
    # The counselor row is the lock for "this counselor's time" across different slots.
    User.objects.select_for_update().filter(pk=slot.counselor_id).exists()
    if Appointment.objects.filter(ACTIVE_Q, slot=slot).exists():
        raise SlotTaken(slot)
    overlapping = Appointment.objects.filter(ACTIVE_Q, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at)
    if overlapping.filter(counselor_id=slot.counselor_id).exists():
        raise SlotTaken(slot)
    if overlapping.filter(resident=resident).exists():
        raise ValidationError(_("%(name)s already has an appointment at that time.") % {"name": resident.full_name})
    if not by_staff:
        # under the resident's row lock, so two tabs of one person cannot both take the last allowed place
        refusal = fair_share_refusal(resident=resident, slot=slot, now=now)
        if refusal:
            raise ValidationError(refusal)
    appointment = Appointment(
        slot=slot,
        center_id=slot.center_id,
        station_id=slot.station_id,
        counselor_id=slot.counselor_id,
        resident=resident,
        service=slot.service,
        place=slot.place,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        channel=channel,
        reason=reason.strip(),
        visit_address=visit_address.strip(),
        booked_by=booked_by,
        booked_at=now,
        rescheduled_from=rescheduled_from,
    )
    # Constraints were checked above under the locks, and the database enforces them again on insert.
    appointment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:  # the database's constraints are the last word in a race
        raise SlotTaken(slot) from exc
    if slot.held_for_id is not None:
        slot_hold_release(slot=slot, accepted_by=resident)
    reminders_schedule(appointment=appointment, now=now)
    audit_record(
        actor=booked_by,
        action="appointment.reschedule" if rescheduled_from else "appointment.book",
        obj=appointment,
        detail={"channel": channel, "slot": slot.pk, "resident": resident.pk},
    )
    enqueue_after_commit("appointments.reminders_send_due")
    return appointment


@transaction.atomic
def appointment_book_by_staff(
    *,
    slot: Slot,
    actor: User,
    channel: str,
    resident: Resident | None = None,
    new_name: str = "",
    new_phone: str = "",
    reason: str = "",
    visit_address: str = "",
    now: dt.datetime | None = None,
    create_anyway: bool = False,
) -> Appointment:
    """Staff book a phone, walk-in or hotline request, registering a person without an account on the way
    (unless they look like someone registered: see resident_create_by_staff).
    One transaction: if the time is gone, no stray person record is left behind."""
    if channel not in (Channel.PHONE, Channel.WALK_IN, Channel.HOTLINE):
        raise ValidationError({"channel": _("Choose how the request came in.")})
    if not can_book_for_others(actor, slot.center_id):
        raise PermissionDenied
    if resident is None:
        resident = resident_create_by_staff(
            actor=actor,
            center=slot.center,
            full_name=new_name.strip(),
            phone=new_phone.strip(),
            station=slot.station,
            create_anyway=create_anyway,
        )
    return appointment_book(
        slot=slot,
        resident=resident,
        booked_by=actor,
        channel=channel,
        reason=reason,
        visit_address=visit_address,
        now=now,
        by_staff=True,
    )


def _cutoff_passed(appointment: Appointment, now: dt.datetime) -> bool:
    return appointment.starts_at < now + dt.timedelta(hours=appointment.center.cancel_cutoff_hours)


def _acting_as_resident(actor: User, appointment: Appointment) -> bool:
    if can_book_for_resident(actor, appointment.resident):
        return True
    if staff_can_see_appointment(actor, appointment):
        return False
    raise PermissionDenied


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor: User, now: dt.datetime | None = None, notify: bool = True
) -> Appointment:
    """Cancel a booked appointment: the resident (or guardian) up to the center's cutoff, staff any time before
    it starts. Pending reminders are dropped and the freed time goes to the waitlist."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().select_related("center", "resident").get(pk=appointment.pk)
    as_resident = _acting_as_resident(actor, appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment that has not taken place can be cancelled."))
    if appointment.starts_at <= now:
        raise ValidationError(_("This appointment has already started."))
    if as_resident and _cutoff_passed(appointment, now):
        raise ValidationError(
            _("Appointments can be cancelled online up to %(hours)s hours before. Please call %(phone)s.")
            % {"hours": appointment.center.cancel_cutoff_hours, "phone": appointment.center.hotline}
        )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_by = actor
    appointment.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    appointment.reminders.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.CANCELLED)
    if notify:
        reminders_ensure(appointment=appointment, kind=ReminderKind.CANCELLATION, due_at=now)
        enqueue_after_commit("appointments.reminders_send_due")
    audit_record(actor=actor, action="appointment.cancel", obj=appointment, detail={"by_resident": as_resident})
    enqueue_after_commit("appointments.waitlist_offer_slot", appointment.slot_id)
    return appointment


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, new_slot: Slot, actor: User, now: dt.datetime | None = None
) -> Appointment:
    """Move an appointment to another free time of the same service: one transaction, so a refused new time
    leaves the old booking as it was."""
    now = now or timezone.now()
    old = Appointment.objects.select_for_update().select_related("center", "resident").get(pk=appointment.pk)
    as_resident = _acting_as_resident(actor, old)
    if new_slot.pk == old.slot_id:
        raise ValidationError(_("That is the time you already have."))
    if new_slot.service != old.service:
        raise ValidationError(_("Choose a time for the same service; for another service, make a new booking."))
    old = appointment_cancel(appointment=old, actor=actor, now=now, notify=False)
    return appointment_book(
        slot=new_slot,
        resident=old.resident,
        booked_by=actor,
        channel=old.channel,
        reason=old.reason,
        visit_address=old.visit_address,
        now=now,
        rescheduled_from=old,
        by_staff=not as_resident,
    )
