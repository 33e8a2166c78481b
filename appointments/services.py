"""Every write of the appointments app: availability, slots, bookings, sessions, reminders, waitlist,
calendar feeds and the duty roster."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit import audit_record
from centers.models import Center, DutyShift, Resident, Room, ShiftKind, Station, User
from centers.policies import center_ids_for
from centers.selectors import may_take_shift

from .models import (
    ACTIVE_Q,
    REMINDER_OFFSETS_HOURS,
    SERVICE_OF_PLACE,
    Appointment,
    AppointmentStatus,
    Availability,
    AvailabilityException,
    CalendarFeed,
    Channel,
    Feedback,
    OfferStatus,
    Place,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Slot,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
    feed_token_hash,
)
from .policies import (
    can_book_for_others,
    can_book_for_resident,
    can_manage_availability,
    can_manage_roster,
    can_remove_shift,
    can_run_session,
    can_set_waitlist_priority,
    staff_can_see_appointment,
)
from .selectors import fair_share_refusal

logger = logging.getLogger(__name__)


class SlotTaken(ValidationError):
    """The time was taken (or held) by someone else a moment ago; the caller offers the nearest free times."""

    def __init__(self, slot: Slot):
        super().__init__(_("That time was just taken. Here are the nearest free times."), code="slot_taken")
        self.slot = slot


def _enqueue(task_name: str, *args) -> None:
    """Queue a task after commit; if the broker is down the beat sweep still picks the rows up."""
    from . import tasks

    def send():
        try:
            # No publish retries: with the broker down the request must not hang; the sweep catches up.
            getattr(tasks, task_name).apply_async(args=args, retry=False)
        except Exception as exc:  # broker unreachable: the sweep catches up within a minute
            logger.warning("could not queue %s: %s", task_name, exc)

    transaction.on_commit(send)


SESSION_NOTE_MAX = 2000


def session_minutes(center: Center, place: str) -> int:
    return center.phone_minutes if place == Place.REMOTE else center.face_to_face_minutes


# --- Availability and slots -----------------------------------------------------------------------


@transaction.atomic
def availability_publish(
    *,
    actor: User,
    counselor: User,
    center: Center,
    place: str,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    station: Station | None = None,
    room: Room | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    gap_minutes: int = 10,
) -> Availability:
    """A counselor (or the supervisor for them) publishes a weekly window; its slots are generated at once."""
    if not can_manage_availability(actor, counselor=counselor, center_id=center.pk):
        raise PermissionDenied
    availability = Availability(
        center=center,
        counselor=counselor,
        place=place,
        station=station,
        room=room,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        gap_minutes=gap_minutes,
        valid_from=valid_from or timezone.localdate(),
        valid_until=valid_until,
        created_by=actor,
    )
    availability.full_clean()
    overlapping = Availability.objects.filter(
        weekday=weekday,
        start_time__lt=end_time,
        end_time__gt=start_time,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=availability.valid_from))
    if availability.valid_until:
        overlapping = overlapping.filter(valid_from__lte=availability.valid_until)
    if overlapping.filter(counselor=counselor).exists():
        raise ValidationError(_("This window overlaps another window of the same counselor on that weekday."))
    if room is not None and overlapping.filter(room=room).exists():
        raise ValidationError({"room": _("This room is already given to another window at that time.")})
    availability.save()
    audit_record(actor=actor, action="availability.publish", obj=availability, detail={"counselor": counselor.pk})
    today = timezone.localdate()
    slots_generate(
        center=center,
        start=max(today, availability.valid_from),
        end=today + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS),
        counselor=counselor,
    )
    return availability


def _withdraw_free_slots(slots) -> int:
    """Cancel the open slots among `slots` that nobody booked; booked ones stay for staff to move."""
    booked = Appointment.objects.filter(ACTIVE_Q, slot__in=slots).values("slot_id")
    return slots.filter(status=SlotStatus.OPEN).exclude(pk__in=booked).update(status=SlotStatus.CANCELLED)


@transaction.atomic
def availability_end(*, actor: User, availability: Availability, last_day: dt.date) -> Availability:
    """End a weekly window after `last_day`; later free slots are withdrawn, booked ones kept."""
    if not can_manage_availability(actor, counselor=availability.counselor, center_id=availability.center_id):
        raise PermissionDenied
    availability = Availability.objects.select_for_update().get(pk=availability.pk)
    availability.valid_until = max(last_day, availability.valid_from)
    availability.full_clean()
    availability.save(update_fields=["valid_until"])
    after = timezone.make_aware(dt.datetime.combine(availability.valid_until + dt.timedelta(days=1), dt.time()))
    _withdraw_free_slots(Slot.objects.filter(availability=availability, starts_at__gte=after))
    audit_record(actor=actor, action="availability.end", obj=availability, detail={"last_day": str(last_day)})
    return availability


@transaction.atomic
def availability_exception_add(
    *,
    actor: User,
    center: Center,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    counselor: User | None = None,
    note: str = "",
) -> tuple[AvailabilityException, int]:
    """Record leave (a counselor) or a holiday (the whole center; supervisor only). Returns the exception and
    how many booked appointments fall inside it, which staff then move or cancel."""
    if counselor is not None:
        if not can_manage_availability(actor, counselor=counselor, center_id=center.pk):
            raise PermissionDenied
    elif not can_manage_roster(actor, center.pk):
        raise PermissionDenied
    exception = AvailabilityException(
        center=center, counselor=counselor, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note, created_by=actor
    )
    exception.full_clean()
    exception.save()
    start = timezone.make_aware(dt.datetime.combine(starts_on, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time()))
    slots = Slot.objects.filter(center=center, starts_at__gte=start, starts_at__lt=end)
    if counselor is not None:
        slots = slots.filter(counselor=counselor)
    _withdraw_free_slots(slots)
    booked = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, slot__in=slots.filter(status=SlotStatus.OPEN)
    ).count()
    audit_record(actor=actor, action="availability.exception", obj=exception, detail={"kind": kind})
    return exception, booked


def _day_times(availability: Availability, day: dt.date, minutes: int):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, availability.start_time, tzinfo=tz)
    end = dt.datetime.combine(day, availability.end_time, tzinfo=tz)
    length = dt.timedelta(minutes=minutes)
    step = length + dt.timedelta(minutes=availability.gap_minutes)
    while start + length <= end:
        yield start, start + length
        start += step


@transaction.atomic
def slots_generate(*, center: Center, start: dt.date, end: dt.date, counselor: User | None = None) -> int:
    """Create the missing slots of [start, end) from weekly availability, minus leave and holidays.

    Idempotent: an existing slot (open or withdrawn) at the same counselor and time is left alone.
    """
    windows = Availability.objects.filter(center=center, valid_from__lt=end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=start)
    )
    if counselor is not None:
        windows = windows.filter(counselor=counselor)
    windows = list(windows)
    if not windows:
        return 0
    exceptions = list(
        AvailabilityException.objects.filter(center=center, starts_on__lt=end, ends_on__gte=start).values_list(
            "counselor_id", "starts_on", "ends_on"
        )
    )
    tz = timezone.get_current_timezone()
    range_start = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    range_end = dt.datetime.combine(end, dt.time(), tzinfo=tz)
    existing = set(
        Slot.objects.filter(
            counselor_id__in={w.counselor_id for w in windows}, starts_at__gte=range_start, starts_at__lt=range_end
        ).values_list("counselor_id", "starts_at")
    )
    new: list[Slot] = []
    day = start
    while day < end:
        for window in windows:
            if window.weekday != day.weekday() or day < window.valid_from:
                continue
            if window.valid_until and day > window.valid_until:
                continue
            if any(
                (who is None or who == window.counselor_id) and first <= day <= last for who, first, last in exceptions
            ):
                continue
            minutes = session_minutes(center, window.place)
            for slot_start, slot_end in _day_times(window, day, minutes):
                key = (window.counselor_id, slot_start)
                if key in existing:
                    continue
                existing.add(key)
                new.append(
                    Slot(
                        center=center,
                        station=window.station,
                        counselor_id=window.counselor_id,
                        availability=window,
                        room=window.room,
                        place=window.place,
                        service=SERVICE_OF_PLACE[Place(window.place)],
                        starts_at=slot_start,
                        ends_at=slot_end,
                    )
                )
        day += dt.timedelta(days=1)
    Slot.objects.bulk_create(new)
    return len(new)


def slots_generate_all(*, days: int | None = None) -> int:
    """The daily sweep: keep every center's slots generated up to the booking horizon."""
    today = timezone.localdate()
    end = today + dt.timedelta(days=days or settings.APPOINTMENT_BOOKING_HORIZON_DAYS)
    return sum(slots_generate(center=center, start=today, end=end) for center in Center.objects.all())


# --- Booking ----------------------------------------------------------------------------------------


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
        _release_hold(slot=slot, accepted_by=resident)
    reminders_schedule(appointment=appointment, now=now)
    audit_record(
        actor=booked_by,
        action="appointment.reschedule" if rescheduled_from else "appointment.book",
        obj=appointment,
        detail={"channel": channel, "slot": slot.pk, "resident": resident.pk},
    )
    _enqueue("reminders_send_due_task")
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
    from centers.services import resident_create_by_staff

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
        _message_rows(appointment=appointment, kind=ReminderKind.CANCELLATION, due_at=now)
        _enqueue("reminders_send_due_task")
    audit_record(actor=actor, action="appointment.cancel", obj=appointment, detail={"by_resident": as_resident})
    _enqueue("waitlist_offer_slot_task", appointment.slot_id)
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


# --- Sessions and feedback -------------------------------------------------------------------------


def _session_appointment(appointment: Appointment, actor: User) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not can_run_session(actor, appointment):
        raise PermissionDenied
    return appointment


@transaction.atomic
def session_check_in(*, appointment: Appointment, actor: User, now: dt.datetime | None = None) -> Appointment:
    """The counselor (or supervisor) checks the person in, from two hours before the start."""
    now = now or timezone.now()
    appointment = _session_appointment(appointment, actor)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment can be checked in."))
    if now < appointment.starts_at - dt.timedelta(hours=2):
        raise ValidationError(_("Check-in opens two hours before the session."))
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.checked_in_at = now
    appointment.save(update_fields=["status", "checked_in_at"])
    audit_record(actor=actor, action="appointment.check_in", obj=appointment)
    return appointment


@transaction.atomic
def session_complete(
    *, appointment: Appointment, actor: User, note: str = "", now: dt.datetime | None = None
) -> Appointment:
    """The session took place, with the counselor's short note (encrypted at rest); the resident is asked for a
    rating. Only once the session has started."""
    now = now or timezone.now()
    appointment = _session_appointment(appointment, actor)
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        raise ValidationError(_("This appointment cannot be completed in its current state."))
    if now < appointment.starts_at:
        raise ValidationError(_("A session can be completed only after it has started."))
    note = note.strip()
    if len(note) > SESSION_NOTE_MAX:
        raise ValidationError(
            {"note": _("Please keep the session note to %(max)s characters.") % {"max": SESSION_NOTE_MAX}}
        )
    appointment.status = AppointmentStatus.COMPLETED
    appointment.completed_at = now
    appointment.session_note = note
    appointment.save(update_fields=["status", "completed_at", "session_note"])
    appointment.reminders.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.CANCELLED)
    _message_rows(appointment=appointment, kind=ReminderKind.FEEDBACK, due_at=now)
    audit_record(actor=actor, action="appointment.complete", obj=appointment, detail={"note": bool(note)})
    _enqueue("reminders_send_due_task")
    return appointment


@transaction.atomic
def session_no_show(*, appointment: Appointment, actor: User, now: dt.datetime | None = None) -> Appointment:
    """The person did not come; only after the start time."""
    now = now or timezone.now()
    appointment = _session_appointment(appointment, actor)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment without check-in can be marked as a no-show."))
    if now < appointment.starts_at:
        raise ValidationError(_("A no-show can be recorded only after the start time."))
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status"])
    appointment.reminders.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.CANCELLED)
    audit_record(actor=actor, action="appointment.no_show", obj=appointment)
    return appointment


@transaction.atomic
def feedback_give(*, appointment: Appointment, actor: User, rating: int, comment: str = "") -> Feedback:
    """The resident (or guardian) rates a completed session once."""
    appointment = Appointment.objects.select_for_update().select_related("resident").get(pk=appointment.pk)
    if not can_book_for_resident(actor, appointment.resident):
        raise PermissionDenied
    if appointment.status != AppointmentStatus.COMPLETED:
        raise ValidationError(_("Only a completed session can be rated."))
    if Feedback.objects.filter(appointment=appointment).exists():
        raise ValidationError(_("You have already rated this session. Thank you."))
    feedback = Feedback(appointment=appointment, rating=rating, comment=comment.strip())
    feedback.full_clean()
    feedback.save()
    audit_record(actor=actor, action="appointment.feedback", obj=appointment, detail={"rating": rating})
    return feedback


# --- Reminders ------------------------------------------------------------------------------------


def _reachable_channels(appointment: Appointment) -> list[str]:
    """The enabled channels that have an address for the appointment's resident."""
    from .channels import enabled_channels

    names = [channel.name for channel in enabled_channels() if channel.address_for(appointment.resident)]
    return list(dict.fromkeys(names))  # a channel listed twice in the settings still gets one row


def _message_rows(*, appointment: Appointment, kind: str, due_at: dt.datetime) -> list[Reminder]:
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
    from .channels import channel_by_name
    from .messages import render_message

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
                channel.send(address=address, subject=subject, text=text)
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
    return sent


# --- Waitlist -------------------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(
    *,
    actor: User,
    resident: Resident,
    service: str,
    first_day: dt.date,
    last_day: dt.date,
    station: Station | None = None,
) -> WaitlistEntry:
    """A resident (or guardian, or staff for them) waits for a time at a place within a range of days."""
    if not (can_book_for_resident(actor, resident) or can_book_for_others(actor, resident.center_id)):
        raise ValidationError(_("You can only book for yourself or for a child in your care."))
    today = timezone.localdate()
    if first_day < today:
        raise ValidationError({"first_day": _("Choose today or a later day.")})
    horizon = settings.APPOINTMENT_BOOKING_HORIZON_DAYS
    if last_day > today + dt.timedelta(days=horizon):
        raise ValidationError(
            {
                "last_day": _(
                    "Times are offered at most %(days)s days ahead, so the waitlist can run until %(last)s at the "
                    "latest. Please choose an earlier last day."
                )
                % {"days": horizon, "last": (today + dt.timedelta(days=horizon)).isoformat()}
            }
        )
    if WaitlistEntry.objects.filter(
        resident=resident,
        service=service,
        station=station,
        status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED],
    ).exists():
        raise ValidationError(_("You are already on the waitlist for this service and place."))
    entry = WaitlistEntry(
        center_id=resident.center_id,
        station=station,
        resident=resident,
        service=service,
        first_day=first_day,
        last_day=last_day,
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action="waitlist.join", obj=entry, detail={"resident": resident.pk})
    return entry


@transaction.atomic
def waitlist_leave(*, actor: User, entry: WaitlistEntry) -> WaitlistEntry:
    """The person leaves the waitlist; an open offer they hold is released to the next person."""
    entry = WaitlistEntry.objects.select_for_update().select_related("resident").get(pk=entry.pk)
    if not (can_book_for_resident(actor, entry.resident) or can_book_for_others(actor, entry.center_id)):
        raise PermissionDenied
    if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        raise ValidationError(_("This waitlist entry has already ended."))
    for offer in entry.offers.filter(status=OfferStatus.OPEN).select_related("slot"):
        _offer_close(offer=offer, status=OfferStatus.DECLINED)
        _enqueue("waitlist_offer_slot_task", offer.slot_id)
    entry.status = WaitlistStatus.LEFT
    entry.save(update_fields=["status"])
    audit_record(actor=actor, action="waitlist.leave", obj=entry)
    return entry


@transaction.atomic
def waitlist_set_priority(*, actor: User, entry: WaitlistEntry, is_priority: bool) -> WaitlistEntry:
    """Staff of the center mark a waiting person as priority (offered times first)."""
    if not can_set_waitlist_priority(actor, entry.center_id):
        raise PermissionDenied
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    entry.is_priority = is_priority
    entry.save(update_fields=["is_priority"])
    audit_record(actor=actor, action="waitlist.priority", obj=entry, detail={"priority": is_priority})
    return entry


def _release_hold(*, slot: Slot, accepted_by: Resident | None = None) -> None:
    offer = WaitlistOffer.objects.filter(slot=slot, status=OfferStatus.OPEN).select_related("entry").first()
    if offer is not None:
        if accepted_by is not None and offer.entry.resident_id == accepted_by.pk:
            offer.status = OfferStatus.ACCEPTED
            offer.save(update_fields=["status"])
            offer.entry.status = WaitlistStatus.BOOKED
            offer.entry.save(update_fields=["status"])
        else:
            _offer_close(offer=offer, status=OfferStatus.EXPIRED)
    Slot.objects.filter(pk=slot.pk).update(held_for=None, held_until=None)


def _offer_close(*, offer: WaitlistOffer, status: str) -> None:
    offer.status = status
    offer.save(update_fields=["status"])
    entry = offer.entry
    if entry.status == WaitlistStatus.OFFERED:
        today = timezone.localdate()
        entry.status = WaitlistStatus.WAITING if entry.last_day >= today else WaitlistStatus.EXPIRED
        entry.save(update_fields=["status"])
    Slot.objects.filter(pk=offer.slot_id, held_for=entry.resident_id).update(held_for=None, held_until=None)


OFFER_CANDIDATES = 20  # waiting people looked at per free time; past them, the next sweep looks again


@transaction.atomic
def waitlist_offer_slot(*, slot: Slot, now: dt.datetime | None = None) -> WaitlistOffer | None:
    """Offer a free slot to the first matching waiting person: priority first, then in order of joining.
    Idempotent: a slot that is taken, held, past the cutoff or already offered gets no new offer."""
    now = now or timezone.now()
    slot = Slot.objects.select_for_update().select_related("center").get(pk=slot.pk)
    if slot.status != SlotStatus.OPEN or slot.starts_at < now + dt.timedelta(hours=slot.center.cancel_cutoff_hours):
        return None
    if slot.held_until and slot.held_until > now:
        return None
    if Appointment.objects.filter(ACTIVE_Q, slot=slot).exists():
        return None
    if WaitlistOffer.objects.filter(slot=slot, status=OfferStatus.OPEN).exists():
        return None
    day = timezone.localdate(slot.starts_at)
    busy = Appointment.objects.filter(ACTIVE_Q, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at).values(
        "resident_id"
    )
    entries = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(
            center=slot.center,
            service=slot.service,
            station=slot.station if slot.place in (Place.STATION, Place.HOME) else None,
            status=WaitlistStatus.WAITING,
            first_day__lte=day,
            last_day__gte=day,
        )
        .exclude(offers__slot=slot)
        .exclude(resident_id__in=busy)
        .select_related("resident")
        .order_by("-is_priority", "joined_at", "pk")[:OFFER_CANDIDATES]
    )
    # the first waiting person the center's fairness rules let take this time (a waitlist booking is theirs)
    entry = next((e for e in entries if not fair_share_refusal(resident=e.resident, slot=slot, now=now)), None)
    if entry is None:
        return None
    expires = now + dt.timedelta(minutes=settings.APPOINTMENT_WAITLIST_OFFER_MINUTES)
    offer = WaitlistOffer.objects.create(entry=entry, slot=slot, offered_at=now, expires_at=expires)
    entry.status = WaitlistStatus.OFFERED
    entry.save(update_fields=["status"])
    slot.held_for_id = entry.resident_id
    slot.held_until = expires
    slot.save(update_fields=["held_for", "held_until"])
    audit_record(actor=None, action="waitlist.offer", obj=entry, detail={"slot": slot.pk}, actor_label="system")
    _enqueue("waitlist_offer_notify_task", offer.pk)
    return offer


def waitlist_offers_expire(*, now: dt.datetime | None = None) -> int:
    """The sweep: close offers whose time is up and offer each slot to the next person."""
    now = now or timezone.now()
    expired = 0
    for pk in list(
        WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            offer = (
                WaitlistOffer.objects.select_for_update()
                .select_related("entry", "slot")
                .filter(pk=pk, status=OfferStatus.OPEN)
                .first()
            )
            if offer is None:
                continue
            _offer_close(offer=offer, status=OfferStatus.EXPIRED)
            expired += 1
        waitlist_offer_slot(slot=offer.slot, now=now)
    # Entries whose range of days is over end quietly; they show as ended on the person's page.
    WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, last_day__lt=timezone.localdate(now)).update(
        status=WaitlistStatus.EXPIRED
    )
    return expired


def waitlist_free_times_offer(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The sweep: every free time a waiting person could take, that nobody holds or is offered, is offered now.
    It reads rows (slots, appointments, offers), so a cancellation or a newly published time whose queued task
    was lost is offered one sweep later. Returns the offers made; running it twice makes none twice."""
    from .selectors import day_bounds

    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting = list(
        WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, last_day__gte=today).values_list(
            "center_id", "service", "station_id", "first_day", "last_day"
        )
    )
    if not waiting:
        return 0
    start = max(day_bounds(min(w[3] for w in waiting))[0], now)
    end = day_bounds(max(w[4] for w in waiting))[1]
    slots = (
        Slot.objects.filter(
            status=SlotStatus.OPEN,
            center_id__in={w[0] for w in waiting},
            service__in={w[1] for w in waiting},
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))
        .exclude(Exists(Appointment.objects.filter(ACTIVE_Q, slot=OuterRef("pk"))))
        .exclude(Exists(WaitlistOffer.objects.filter(slot=OuterRef("pk"), status=OfferStatus.OPEN)))
        .order_by("starts_at", "pk")
        .values_list("pk", "center_id", "service", "station_id", "place", "starts_at")
    )
    offered = 0
    for pk, center_id, service, station_id, place, starts_at in slots[: limit * 5]:
        day = timezone.localdate(starts_at)
        station = station_id if place in (Place.STATION, Place.HOME) else None
        if not any(w[0] == center_id and w[1] == service and w[2] == station and w[3] <= day <= w[4] for w in waiting):
            continue
        if waitlist_offer_slot(slot=Slot(pk=pk), now=now) is not None:
            offered += 1
            if offered >= limit:
                break
    return offered


def waitlist_offers_notify(*, offer_id: int | None = None) -> int:
    """Tell each person about their open offer once; the offer also shows on their page."""
    from .channels import enabled_channels
    from .messages import render_offer

    offers = WaitlistOffer.objects.filter(status=OfferStatus.OPEN, notified_at__isnull=True)
    if offer_id is not None:
        offers = offers.filter(pk=offer_id)
    told = 0
    for pk in list(offers.values_list("pk", flat=True)):
        with transaction.atomic():
            offer = (
                WaitlistOffer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("entry__resident__user", "entry__resident__guardian__user", "slot__station")
                .filter(pk=pk, status=OfferStatus.OPEN, notified_at__isnull=True)
                .first()
            )
            if offer is None:
                continue
            subject, text = render_offer(offer)
            for channel in enabled_channels():
                address = channel.address_for(offer.entry.resident)
                if not address:
                    continue
                try:
                    channel.send(address=address, subject=subject, text=text)
                except Exception as exc:  # the person also sees the offer on their page
                    logger.warning("offer %s via %s failed: %s", offer.pk, channel.name, exc)
            offer.notified_at = timezone.now()
            offer.save(update_fields=["notified_at"])
            told += 1
    return told


@transaction.atomic
def waitlist_accept(*, offer: WaitlistOffer, actor: User, now: dt.datetime | None = None) -> Appointment:
    """The offered person takes the time before the offer runs out."""
    now = now or timezone.now()
    offer = WaitlistOffer.objects.select_for_update().select_related("entry__resident", "slot").get(pk=offer.pk)
    if not can_book_for_resident(actor, offer.entry.resident):
        raise PermissionDenied
    if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise ValidationError(_("This offer has ended. You are still on the waitlist for other times."))
    return appointment_book(
        slot=offer.slot, resident=offer.entry.resident, booked_by=actor, channel=Channel.WAITLIST, now=now
    )


@transaction.atomic
def waitlist_decline(*, offer: WaitlistOffer, actor: User) -> WaitlistOffer:
    """The offered person does not want this time; it goes to the next person at once."""
    offer = WaitlistOffer.objects.select_for_update().select_related("entry__resident").get(pk=offer.pk)
    if not can_book_for_resident(actor, offer.entry.resident):
        raise PermissionDenied
    if offer.status != OfferStatus.OPEN:
        raise ValidationError(_("This offer has ended."))
    _offer_close(offer=offer, status=OfferStatus.DECLINED)
    _enqueue("waitlist_offer_slot_task", offer.slot_id)
    return offer


# --- Calendar feeds -------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_ensure(*, user: User) -> CalendarFeed:
    """The counselor's private feed, created on first use. Only when it is created does the returned feed
    carry its address's secret (`feed.secret`): the table keeps a hash, so it cannot be shown again."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        secret = secrets.token_urlsafe(32)
        feed = CalendarFeed.objects.create(user=user, token_hash=feed_token_hash(secret))
        feed.secret = secret
        audit_record(actor=user, action="calendar_feed.create", obj=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> CalendarFeed:
    """Revoke the old address (it stops working at once) and issue a new one, returned with its secret."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return calendar_feed_ensure(user=user)
    secret = secrets.token_urlsafe(32)
    feed.token_hash = feed_token_hash(secret)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token_hash", "created_at"])
    feed.secret = secret
    audit_record(actor=user, action="calendar_feed.revoke", obj=feed)
    return feed


# --- Duty roster ----------------------------------------------------------------------------------


def _shift_check_person(*, user: User, center: Center, kind: str, is_crisis_team: bool) -> None:
    """Refuse, with a sentence naming the person, anyone the on-duty rule would not count for this shift."""
    if may_take_shift(user=user, center=center, kind=kind, is_crisis_team=is_crisis_team):
        return
    if not user.is_active:
        message = _("%(name)s's account is deactivated; only active accounts can be put on duty.")
    elif center.pk not in center_ids_for(user):
        message = _("%(name)s holds no role at this center any more.")
    elif is_crisis_team or kind == ShiftKind.ONLINE_HOTLINE:
        message = _(
            "%(name)s cannot be put on the crisis team or on online and hotline duty: only a counselor or a "
            "supervisor of this center can take it."
        )
    else:
        message = _("%(name)s holds no role at this center that may take on-site duty.")
    raise ValidationError({"user": message % {"name": user}})


@transaction.atomic
def duty_shift_create(
    *,
    actor: User,
    center: Center,
    kind: str,
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    station: Station | None = None,
    is_crisis_team: bool = False,
) -> DutyShift:
    """The supervisor plans any duty; a station manager plans on-site duty at their station."""
    if not can_manage_roster(actor, center.pk, station.pk if station else None):
        raise PermissionDenied
    if kind == ShiftKind.ONLINE_HOTLINE and not can_manage_roster(actor, center.pk):
        raise PermissionDenied
    _shift_check_person(user=user, center=center, kind=kind, is_crisis_team=is_crisis_team)
    shift = DutyShift(
        center=center,
        station=station,
        kind=kind,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        is_crisis_team=is_crisis_team,
    )
    shift.full_clean()
    if DutyShift.objects.filter(user=user, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError(_("This person is already on duty during part of that time."))
    shift.save()
    audit_record(actor=actor, action="duty_shift.create", obj=shift, detail={"user": user.pk, "kind": kind})
    return shift


@transaction.atomic
def duty_shift_delete(*, actor: User, shift: DutyShift) -> None:
    """Remove a planned shift that has not started (never the one under way: alerts go to it)."""
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if not can_remove_shift(actor, shift):
        raise PermissionDenied
    now = timezone.now()
    if shift.ends_at <= now:
        raise ValidationError(_("A past shift stays on the record."))
    if shift.starts_at <= now:
        raise ValidationError(
            _("This shift is under way and people rely on it now. End it by adding a shift for whoever takes over.")
        )
    audit_record(actor=actor, action="duty_shift.delete", obj=shift, detail={"user": shift.user_id})
    shift.delete()


# --- Personal data --------------------------------------------------------------------------------


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
