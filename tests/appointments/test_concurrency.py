"""Many people press "confirm" on the same time at once: exactly one gets it (PostgreSQL, real threads)."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment, Channel
from appointments.selectors import slots_nearest_free
from appointments.services.booking import SlotTaken, appointment_book
from tests.factories import ResidentFactory, UserFactory

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_bookings_of_one_slot_exactly_one_wins(center, station, make_slot):
    slot = make_slot(hour=10)
    make_slot(hour=11)  # a nearby free time to offer the losers
    people = [ResidentFactory(center=center, station=station, user=UserFactory()) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[object] = []
    lock = threading.Lock()

    def attempt(resident):
        try:
            barrier.wait()
            try:
                appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user)
                outcome: object = appointment.pk
            except SlotTaken as exc:
                outcome = ("taken", [s.pk for s in slots_nearest_free(slot=exc.slot)])
            except Exception as exc:  # anything else is a failure of the test
                outcome = exc
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, tuple)]
    assert len(results) == THREADS
    assert len(winners) == 1, results
    assert len(losers) == THREADS - 1, results
    assert all(alternatives for _taken, alternatives in losers)
    assert Appointment.objects.filter(slot=slot).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_overlapping_times_of_one_counselor_even_past_the_service(
    center, station, resident, make_slot
):
    first = make_slot(hour=10)
    appointment_book(slot=first, resident=resident, booked_by=resident.user)
    other = ResidentFactory(center=center, station=station)
    second = make_slot(hour=10, minute=20, place="remote", service="phone", station=None)
    with pytest.raises(IntegrityError, match="appointment_counselor_no_overlap"), transaction.atomic():
        Appointment.objects.create(
            slot=second,
            center=center,
            counselor=second.counselor,
            resident=other,
            service=second.service,
            place=second.place,
            starts_at=second.starts_at,
            ends_at=second.ends_at,
            channel=Channel.PHONE,
        )
    third = make_slot(hour=10, minute=30, counselor=UserFactory())
    with pytest.raises(IntegrityError, match="appointment_resident_no_overlap"), transaction.atomic():
        Appointment.objects.create(
            slot=third,
            center=center,
            station=station,
            counselor=third.counselor,
            resident=resident,
            service=third.service,
            place=third.place,
            starts_at=third.starts_at,
            ends_at=third.starts_at + dt.timedelta(minutes=50),
            channel=Channel.PHONE,
        )


@pytest.mark.django_db(transaction=True)
def test_one_after_another_the_second_booking_of_a_slot_is_refused_cleanly(center, station, make_slot):
    """The same race, serialised: runs on SQLite too (its IMMEDIATE transactions take the write lock first)."""
    slot = make_slot(hour=10)
    make_slot(hour=11)
    first, second = (ResidentFactory(center=center, station=station, user=UserFactory()) for _ in range(2))
    appointment_book(slot=slot, resident=first, booked_by=first.user)
    with pytest.raises(SlotTaken) as info:
        appointment_book(slot=slot, resident=second, booked_by=second.user)
    assert slots_nearest_free(slot=info.value.slot)
    assert Appointment.objects.filter(slot=slot).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(center, station, make_slot, sms_outbox, monkeypatch):
    from appointments.services import booking
    from appointments.services.reminders import reminders_send_due

    monkeypatch.setattr(booking, "enqueue_after_commit", lambda *args: None)  # leave every row to the two sweeps

    booked_at = None
    for hour in (9, 10, 11, 14, 15):
        slot = make_slot(hour=hour)
        person = ResidentFactory(center=center, station=station, user=UserFactory())
        booked_at = slot.starts_at - dt.timedelta(days=3)
        appointment_book(slot=slot, resident=person, booked_by=person.user, now=booked_at)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep():
        try:
            barrier.wait()
            counts.append(reminders_send_due(now=booked_at + dt.timedelta(minutes=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 10  # five confirmations, by email and by SMS, each once
    assert len(sms_outbox) == 5
