"""What other apps rely on: the first-online-bookings selector, hook providers, the seed command."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import Appointment, Availability, Channel, Feedback
from appointments.selectors import online_first_bookings
from appointments.services.booking import appointment_book
from appointments.services.feedback import feedback_give
from appointments.services.sessions import session_complete, session_no_show
from centers import hooks
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_online_first_bookings_are_the_first_active_online_booking_per_resident(
    resident, make_slot, counselor, center, station
):
    since = timezone.now() - dt.timedelta(minutes=1)
    first = appointment_book(slot=make_slot(hour=9), resident=resident, booked_by=resident.user)
    appointment_book(slot=make_slot(days=3, hour=9), resident=resident, booked_by=resident.user)
    walk_in = ResidentFactory(center=center, station=station)
    appointment_book(slot=make_slot(hour=11), resident=walk_in, booked_by=counselor, channel=Channel.WALK_IN)
    assert list(online_first_bookings(booked_after=since)) == [first]
    assert list(online_first_bookings(booked_after=timezone.now())) == []


def test_station_figures_are_provided_through_the_hook(resident, make_slot, counselor, station, center):
    start = timezone.now() - dt.timedelta(days=30)
    end = timezone.now() + dt.timedelta(days=30)
    done = make_slot(hour=9)
    missed = make_slot(hour=11)
    a = appointment_book(
        slot=done, resident=resident, booked_by=resident.user, now=done.starts_at - dt.timedelta(hours=48)
    )
    session_complete(appointment=a, actor=counselor, now=done.ends_at)
    feedback_give(appointment=a, actor=resident.user, rating=4)
    other = ResidentFactory(center=center, station=station, user=UserFactory())
    b = appointment_book(
        slot=missed, resident=other, booked_by=other.user, now=missed.starts_at - dt.timedelta(hours=24)
    )
    session_no_show(appointment=b, actor=counselor, now=missed.ends_at)
    figures = hooks.collect_dict("station_figures", station=station, start=start, end=end)
    assert figures["appointments_person_times_face_to_face"] == 1
    assert figures["appointments_residents_served"] == 1
    assert figures["appointments_sessions_completed"] == 1
    assert figures["appointments_no_shows"] == 1
    assert figures["appointments_no_show_rate"] == 0.5
    assert figures["appointments_median_wait_hours"] == 48.0
    assert figures["appointments_satisfaction_mean"] == 4.0
    assert figures["appointments_satisfaction_ratings"] == 1


def test_person_export_and_anonymise(resident, make_slot, counselor):
    slot = make_slot(hour=9)
    a = appointment_book(
        slot=slot,
        resident=resident,
        booked_by=resident.user,
        reason="夜里睡不着",
        now=slot.starts_at - dt.timedelta(days=3),
    )
    session_complete(appointment=a, actor=counselor, now=slot.ends_at)
    feedback_give(appointment=a, actor=resident.user, rating=5, comment="谢谢王老师")
    upcoming = appointment_book(
        slot=make_slot(days=4, hour=9), resident=resident, booked_by=resident.user, reason="再聊"
    )
    exported = hooks.collect_dict("person_export", resident=resident)["appointments"]
    assert exported["appointments"][0]["reason"] == "夜里睡不着"
    assert exported["appointments"][0]["feedback"] == {"rating": 5, "comment": "谢谢王老师"}
    hooks.collect("person_anonymise", resident=resident, actor=None)
    assert set(Appointment.objects.values_list("reason", flat=True)) == {""}
    assert Feedback.objects.get().comment == "" and Feedback.objects.get().rating == 5
    upcoming.refresh_from_db()
    assert upcoming.status == "cancelled"


def test_seed_appointments_is_idempotent():
    call_command("seed_demo", quiet_logins=True)
    call_command("seed_appointments")
    counts = (Availability.objects.count(), Appointment.objects.count(), Feedback.objects.count())
    assert counts[0] > 10 and counts[1] > 10 and counts[2] > 0
    assert Appointment.objects.filter(
        resident__user__email="resident@demo.fucheng.cn", starts_at__gt=timezone.now()
    ).exists()
    call_command("seed_appointments")
    assert (Availability.objects.count(), Appointment.objects.count(), Feedback.objects.count()) == counts


def test_the_demo_counselor_has_a_day_of_sessions_whenever_the_demo_starts():
    """Issue 5: the demo workspace shows a realistic day, whatever the weekday and hour of seeding."""
    from cases.workspace import appointments_today
    from centers.models import User

    call_command("seed_demo", quiet_logins=True)
    counselor = User.objects.get(email="counselor@demo.fucheng.cn")
    today = appointments_today(user=counselor)
    assert 1 <= len(today) <= 4
    now = timezone.now()
    assert all(a.status == "completed" for a in today if a.ends_at <= now)
    assert all(a.status == "booked" for a in today if a.starts_at > now)
