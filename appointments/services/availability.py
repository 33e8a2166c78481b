"""Writes of availability: weekly windows, leave and holidays, and the slots generated from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import free_days
from appointments.models import (
    ACTIVE_Q,
    SERVICE_OF_PLACE,
    Appointment,
    AppointmentStatus,
    Availability,
    AvailabilityException,
    Place,
    Slot,
    SlotStatus,
)
from appointments.policies import can_manage_availability
from centers.audit.log import audit_record
from centers.models import Center, Room, Station, User
from centers.roster.policies import can_manage_roster


def session_minutes(center: Center, place: str) -> int:
    return center.phone_minutes if place == Place.REMOTE else center.face_to_face_minutes


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


def _withdraw_free_slots(slots: QuerySet[Slot]) -> int:
    """Cancel the open slots among `slots` that nobody booked; booked ones stay for staff to move."""
    booked = Appointment.objects.filter(ACTIVE_Q, slot__in=slots).values("slot_id")
    withdrawn = slots.filter(status=SlotStatus.OPEN).exclude(pk__in=booked)
    for center_id in set(withdrawn.values_list("center_id", flat=True)):
        free_days.forget(center_id)  # an update sends no signal
    return withdrawn.update(status=SlotStatus.CANCELLED)


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


def _day_times(availability: Availability, day: dt.date, minutes: int) -> Iterator[tuple[dt.datetime, dt.datetime]]:
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
    found = Availability.objects.filter(center=center, valid_from__lt=end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=start)
    )
    if counselor is not None:
        found = found.filter(counselor=counselor)
    windows = list(found)
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
    if new:
        free_days.forget(center.pk)  # bulk_create sends no signal: the new times are free days at once
    return len(new)


def slots_generate_all(*, days: int | None = None) -> int:
    """The daily sweep: keep every center's slots generated up to the booking horizon."""
    today = timezone.localdate()
    end = today + dt.timedelta(days=days or settings.APPOINTMENT_BOOKING_HORIZON_DAYS)
    return sum(slots_generate(center=center, start=today, end=end) for center in Center.objects.all())
