"""The booking page's free days, kept in the shared cache for up to a minute and ended by any booking,
cancellation or change of a time at the center (issue 26 item 3)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Place
from appointments.services.availability import availability_publish
from appointments.services.booking import appointment_book, appointment_cancel
from appointments.services.holds import slot_hold_release

pytestmark = pytest.mark.django_db(transaction=True)  # the version is raised after the commit


@pytest.fixture(autouse=True)
def _kept_for_a_minute(settings):
    # A cache all requests of the test share, as Redis is in production.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "free-days"}}
    settings.FUCHENG_FREE_DAYS_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _book_page(client, station):
    url = reverse("appointments:book") + f"?service=face_to_face&where=s{station.pk}"
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    days_read = [q for q in ctx.captured_queries if "DISTINCT" in q["sql"] and "appointments_slot" in q["sql"]]
    return page, len(days_read)


def _day_link(slot):
    return f"day={timezone.localtime(slot.starts_at):%Y-%m-%d}"


def test_the_free_days_are_read_once_then_kept_until_a_booking_takes_the_last_time(
    client, make_slot, resident, station
):
    only = make_slot(days=3, hour=10)
    later = make_slot(days=5, hour=10)
    page, reads = _book_page(client, station)
    assert reads == 1 and _day_link(only) in page and _day_link(later) in page
    page, reads = _book_page(client, station)
    assert reads == 0, "the second visitor within the minute is answered from the cache"
    assert _day_link(only) in page

    appointment = appointment_book(slot=only, resident=resident, booked_by=resident.user)
    page, reads = _book_page(client, station)
    assert reads == 1, "the booking ended the kept days"
    assert _day_link(only) not in page and _day_link(later) in page

    appointment_cancel(appointment=Appointment.objects.get(pk=appointment.pk), actor=resident.user)
    page, reads = _book_page(client, station)
    assert reads == 1 and _day_link(only) in page, "a cancellation gives the day back at once"


def test_a_released_hold_gives_its_day_back(client, make_slot, resident, station):
    held = make_slot(days=4, hour=9)
    held.held_for = resident
    held.held_until = timezone.now() + dt.timedelta(hours=2)
    held.save()
    page, _ = _book_page(client, station)
    assert _day_link(held) not in page, "a time held for a waitlist offer is nobody else's"
    slot_hold_release(slot=held)  # an UPDATE: no signal, the service ends the kept days itself
    page, reads = _book_page(client, station)
    assert reads == 1 and _day_link(held) in page


def test_without_a_shared_cache_every_visit_asks_the_database(client, make_slot, station, settings):
    settings.FUCHENG_FREE_DAYS_CACHE_SECONDS = 0
    make_slot(days=3)
    assert _book_page(client, station)[1] == 1
    assert _book_page(client, station)[1] == 1


def test_times_published_from_a_weekly_window_show_at_once(client, counselor, center, station):
    page, reads = _book_page(client, station)
    assert reads == 1 and 'data-testid="free-slots"' not in page, "nothing to book yet, and that is kept"
    availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.STATION,
        station=station,
        weekday=timezone.localdate().weekday(),
        start_time=dt.time(9),
        end_time=dt.time(12),
    )  # the times are made with bulk_create, which sends no signal
    page, reads = _book_page(client, station)
    assert reads == 1 and 'data-testid="free-slots"' in page
