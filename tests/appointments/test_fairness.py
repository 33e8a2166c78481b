"""Booking fairness: per-center limits for two different residents, a taken time on its own page, the waitlist's
range rules, and offers made by the minute sweep from the rows (a stopped task queue delays, never loses)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appointments.models import Channel, OfferStatus, WaitlistOffer
from appointments.services.booking import appointment_book, appointment_cancel
from appointments.services.waitlist import waitlist_join
from appointments.tasks import appointments_sweep_task
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(center, station):
    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="第二位")


def book(slot, person, **kwargs):
    return appointment_book(slot=slot, resident=person, booked_by=person.user, **kwargs)


def test_at_most_two_upcoming_sessions_and_one_a_day_per_resident(resident, second, make_slot, counselor):
    first = book(make_slot(days=2, hour=9), resident)
    with pytest.raises(ValidationError, match="already has a session on"):
        book(make_slot(days=2, hour=15), resident)
    # the other resident is not held back by the first one's bookings, even on the same day
    book(make_slot(days=2, hour=11), second)
    book(make_slot(days=3, hour=9), resident)
    with pytest.raises(ValidationError, match="already has 2 upcoming sessions"):
        book(make_slot(days=4, hour=9), resident)
    # a cancelled session frees a place
    appointment_cancel(appointment=first, actor=resident.user)
    book(make_slot(days=6, hour=9), resident)
    # staff book for clinical need beyond the limit
    staff_booked = appointment_book(
        slot=make_slot(days=7, hour=9), resident=resident, booked_by=counselor, channel=Channel.PHONE
    )
    assert staff_booked.pk and resident.appointments.filter(status="booked").count() == 3


def test_each_center_sets_its_own_limit(center, resident, second, make_slot):
    center.max_upcoming_sessions, center.one_session_per_day = 3, False
    center.save()
    for hour in (9, 11, 14):
        book(make_slot(days=2, hour=hour), resident)
    with pytest.raises(ValidationError, match="3 upcoming sessions"):
        book(make_slot(days=3, hour=9), resident)
    book(make_slot(days=3, hour=11), second)


def test_the_booking_page_refuses_in_a_sentence_and_keeps_the_reason(resident, second, make_slot, client_for):
    for person, day in ((resident, 2), (second, 3)):
        book(make_slot(days=day, hour=9), person)
        book(make_slot(days=day + 2, hour=9), person)
        third = make_slot(days=day + 4, hour=9)
        client = client_for(person.user)
        page = client.get(reverse("appointments:confirm", args=[third.pk])).content.decode()
        assert 'data-testid="fair-share"' in page and "already has 2 upcoming sessions" in page
        response = client.post(
            reverse("appointments:confirm", args=[third.pk]),
            {"for_whom": person.pk, "reason": "想聊聊工作压力"},
            follow=True,
        )
        page = response.content.decode()
        assert "already has 2 upcoming sessions" in page and "[&#x27;" not in page and "['" not in page
        assert "想聊聊工作压力" in page  # what they typed stays


def test_a_time_taken_meanwhile_says_so_on_its_own_page(resident, second, make_slot, client_for):
    wanted = make_slot(days=2, hour=9)
    make_slot(days=2, hour=11)  # a free time nearby
    book(wanted, second)
    page = client_for(resident.user).get(reverse("appointments:confirm", args=[wanted.pk])).content.decode()
    assert 'data-testid="slot-taken"' in page and "That time was just taken" in page
    assert 'data-testid="alternatives"' in page
    # the person who has it is taken to their appointment
    own = client_for(second.user).get(reverse("appointments:confirm", args=[wanted.pk]))
    assert own.status_code == 302 and own.url == wanted.appointments.get().get_absolute_url()


def test_the_waitlist_refuses_ranges_past_the_horizon(resident, second, station):
    today = timezone.localdate()
    too_far = today + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS + 1)
    for person in (resident, second):
        with pytest.raises(ValidationError) as caught:
            waitlist_join(
                actor=person.user,
                resident=person,
                service="face_to_face",
                station=station,
                first_day=today,
                last_day=too_far,
            )
        assert "last_day" in caught.value.message_dict


def test_the_waitlist_page_says_when_free_times_exist_and_keeps_the_input(
    resident, second, station, make_slot, client_for
):
    today = timezone.localdate()
    free = make_slot(days=3, hour=9)
    for person in (resident, second):
        client = client_for(person.user)
        data = {
            "for_whom": person.pk,
            "service": "face_to_face",
            "where": f"s{station.pk}",
            "first_day": today.isoformat(),
            "last_day": (today + dt.timedelta(days=5)).isoformat(),
        }
        page = client.post(reverse("appointments:waitlist_join"), data).content.decode()
        day = timezone.localdate(free.starts_at).isoformat()
        assert f"There are free times in these days already, the first on {day}" in page
        assert f'value="{data["last_day"]}"' in page
        far = {
            **data,
            "last_day": (today + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS + 3)).isoformat(),
        }
        page = client.post(reverse("appointments:waitlist_join"), far).content.decode()
        assert "Please choose an earlier last day." in page and f'value="{far["last_day"]}"' in page
        assert not person.waitlist_entries.exists()


def _join(person, station, days=10):
    return waitlist_join(
        actor=person.user,
        resident=person,
        service="face_to_face",
        station=station,
        first_day=timezone.localdate(),
        last_day=timezone.localdate() + dt.timedelta(days=days),
    )


def test_a_freed_time_is_offered_by_the_sweep_when_the_queue_is_stopped(
    resident, second, station, make_slot, django_capture_on_commit_callbacks
):
    slot = make_slot(days=3, hour=9)
    booked = book(slot, resident)
    _join(second, station)
    with django_capture_on_commit_callbacks(execute=False):  # the task queue is down: nothing queued runs
        appointment_cancel(appointment=booked, actor=resident.user)
    assert not WaitlistOffer.objects.exists()
    result = appointments_sweep_task()
    assert result["offers_made"] == 1
    offer = WaitlistOffer.objects.get()
    assert offer.entry.resident == second and offer.slot == slot and offer.notified_at is not None
    # the sweep again, and again: still one offer
    assert appointments_sweep_task()["offers_made"] == 0
    assert WaitlistOffer.objects.filter(status=OfferStatus.OPEN).count() == 1


def test_a_newly_published_time_is_offered_and_fairness_applies_to_offers(resident, second, station, make_slot):
    _join(resident, station)
    _join(second, station)
    # the first in line already has two upcoming sessions: the time goes to the second person
    book(make_slot(days=8, hour=9), resident)
    book(make_slot(days=9, hour=9), resident)
    assert appointments_sweep_task()["offers_made"] == 0
    new = make_slot(days=4, hour=10)  # published after both joined
    assert appointments_sweep_task()["offers_made"] == 1
    offer = WaitlistOffer.objects.get()
    assert offer.slot == new and offer.entry.resident == second
