"""A station's week and a counselor's day take a fixed number of queries, whatever the data size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import Feedback, Slot
from appointments.services.booking import appointment_book
from appointments.services.sessions import session_complete
from tests.appointments.factories import AppointmentFactory, SlotFactory, at
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def fill(center, station, counselor, *, day_offset: int, count: int):
    """`count` slots on one day for the counselor, all booked; plus noise on other days."""
    base = Slot.objects.filter(counselor=counselor).count()
    for n in range(base, base + count):
        slot = SlotFactory(
            center=center,
            station=station,
            counselor=counselor,
            starts_at=at(day_offset, 7) + dt.timedelta(minutes=15 * n),
        )
        slot.ends_at = slot.starts_at + dt.timedelta(minutes=10)
        slot.save()
        person = ResidentFactory(center=center, station=station)
        AppointmentFactory(slot=slot, resident=person)
    for _n in range(count):
        other = SlotFactory(center=center, station=station, counselor=UserFactory(), starts_at=at(day_offset + 8, 9))
        AppointmentFactory(slot=other, resident=ResidentFactory(center=center, station=station))


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def test_a_counselors_day_takes_a_fixed_number_of_queries(client_for, counselor, center, station):
    client = client_for(counselor)
    day = timezone.localdate() + dt.timedelta(days=2)
    fill(center, station, counselor, day_offset=2, count=3)
    small, page = count_queries(client, reverse("appointments:day"), {"day": day})
    assert page.count('data-testid="status"') == 3
    fill(center, station, counselor, day_offset=2, count=20)
    large, page = count_queries(client, reverse("appointments:day"), {"day": day})
    assert page.count('data-testid="status"') == 23
    assert small == large


def test_a_stations_week_takes_a_fixed_number_of_queries(client_for, supervisor, counselor, center, station):
    client = client_for(supervisor)
    week = timezone.localdate() + dt.timedelta(days=2)
    url = reverse("appointments:station_week", args=[station.pk])
    fill(center, station, counselor, day_offset=2, count=3)
    small, _ = count_queries(client, url, {"week": week})
    fill(center, station, counselor, day_offset=2, count=25)
    large, page = count_queries(client, url, {"week": week})
    assert small == large
    assert page.count("测试") >= 1


def test_my_appointments_takes_a_fixed_number_of_queries(client_for, resident_user, center, station, counselor):
    client = client_for(resident_user)
    url = reverse("appointments:mine")
    # many sessions a day for one person: this center lifts its fairness limits for the measurement
    center.one_session_per_day, center.max_upcoming_sessions = False, 20
    center.save()

    def add(n, offset):
        for i in range(n):
            slot = SlotFactory(
                center=center, station=station, counselor=counselor, starts_at=at(offset, 8) + dt.timedelta(hours=i)
            )
            appointment = appointment_book(
                slot=slot,
                resident=resident_user.resident,
                booked_by=resident_user,
                now=slot.starts_at - dt.timedelta(days=3),
            )
            if i % 2:
                session_complete(appointment=appointment, actor=counselor, now=slot.ends_at)
                Feedback.objects.create(appointment=appointment, rating=4)

    add(2, 3)
    small, _ = count_queries(client, url, {})
    add(8, 4)
    large, page = count_queries(client, url, {})
    assert small == large and page.count('data-testid="appointment-card"') == 10


def test_the_booking_page_takes_a_fixed_number_of_queries(client, center, station, counselor):
    day = timezone.localdate() + dt.timedelta(days=2)
    params = {"service": "face_to_face", "where": f"s{station.pk}", "day": day.isoformat()}

    def add(n):
        base = Slot.objects.filter(counselor=counselor).count()
        for i in range(base, base + n):
            SlotFactory(
                center=center, station=station, counselor=counselor, starts_at=at(2, 7) + dt.timedelta(minutes=15 * i)
            )
            SlotFactory(
                center=center,
                station=station,
                counselor=counselor,
                starts_at=at(3 + i % 5, 7) + dt.timedelta(minutes=15 * i),
            )

    add(2)
    small, page = count_queries(client, reverse("appointments:book"), params)
    assert page.count("/appointments/book/") >= 2
    add(15)
    large, _ = count_queries(client, reverse("appointments:book"), params)
    assert small == large


def test_the_roster_and_the_waitlist_take_a_fixed_number_of_queries(client_for, supervisor, counselor, center, station):
    from appointments.services.waitlist import waitlist_join
    from centers.roster.services import duty_shift_create

    client = client_for(supervisor)

    def add(n, offset):
        for i in range(n):
            start = at(offset + i, 0)
            duty_shift_create(
                actor=supervisor,
                center=center,
                kind="online_hotline",
                user=counselor,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=8),
            )
            person = ResidentFactory(center=center, station=station, user=UserFactory())
            waitlist_join(
                actor=person.user,
                resident=person,
                service="face_to_face",
                station=station,
                first_day=timezone.localdate(),
                last_day=timezone.localdate() + dt.timedelta(days=5),
            )

    add(2, 1)
    roster_small, _ = count_queries(client, reverse("appointments:roster"), {})
    waitlist_small, _ = count_queries(client, reverse("appointments:waitlist_staff"), {})
    add(8, 3)
    roster_large, _ = count_queries(client, reverse("appointments:roster"), {})
    waitlist_large, page = count_queries(client, reverse("appointments:waitlist_staff"), {})
    assert roster_small == roster_large and waitlist_small == waitlist_large
    assert page.count("<li") >= 10
