"""The issue's "done when" in a real browser at 375px: a resident books, moves and cancels from a phone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, CalendarFeed
from tests.appointments.factories import at
from tests.browser.conftest import screenshot, sign_in, sign_in_staff
from tests.factories import give_confirmed_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_books_moves_and_cancels_on_a_phone(
    phone_page, resident_user, make_slot, counselor, password, client
):
    first = make_slot(days=2, hour=9)
    second = make_slot(days=2, hour=11)
    resident_user.set_password(password)
    resident_user.save()
    sign_in(phone_page, resident_user.email, password)
    phone_page.wait_for_load_state()
    day = timezone.localdate(first.starts_at).isoformat()
    phone_page.goto(f"{reverse('appointments:book')}?service=face_to_face&where=s{first.station_id}&day={day}")
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "appointments-free-times-phone")
    phone_page.click(f"a[href='{reverse('appointments:confirm', args=[first.pk])}']")
    assert phone_page.locator("label[for=id_reason]").count() == 1
    phone_page.fill("#id_reason", "最近睡不好")
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_selector("[data-testid=confirmation]")
    assert no_sideways_scroll(phone_page)
    assert "王老师" in phone_page.inner_text("[data-testid=confirmation]")
    screenshot(phone_page, "appointments-confirmation-phone")
    booked = Appointment.objects.get()

    phone_page.click(f"a[href='{reverse('appointments:reschedule', args=[booked.pk])}']")
    assert no_sideways_scroll(phone_page)
    phone_page.click(f"form input[value='{second.pk}'] + button")
    phone_page.wait_for_selector("[data-testid=confirmation]")
    moved = Appointment.objects.get(slot=second)
    assert moved.status == AppointmentStatus.BOOKED

    phone_page.click(f"form[action='{reverse('appointments:cancel', args=[moved.pk])}'] button")
    phone_page.wait_for_selector("[data-testid=confirm]")  # asked first, on a page of its own
    assert no_sideways_scroll(phone_page)
    phone_page.click("[data-testid=confirm-yes]")
    phone_page.wait_for_selector("[data-testid=status]")
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.CANCELLED
    assert no_sideways_scroll(phone_page)


def test_the_counselor_sees_the_booking_in_the_day_and_the_feed_on_a_phone(
    phone_page, resident, counselor, make_slot, password, client
):
    from appointments.services.booking import appointment_book
    from appointments.services.feeds import calendar_feed_ensure

    slot = make_slot(days=2, hour=9)
    appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    counselor.set_password(password)
    counselor.save()
    sign_in_staff(phone_page, counselor.email, password)
    phone_page.wait_for_load_state()
    phone_page.goto(f"{reverse('appointments:day')}?day={timezone.localdate(at(2, 9)).isoformat()}")
    assert "林小雨" in phone_page.inner_text("[data-testid=day-list]")
    assert no_sideways_scroll(phone_page)
    feed = calendar_feed_ensure(user=counselor)
    assert CalendarFeed.objects.filter(user=counselor).exists()
    response = client.get(reverse("appointments:calendar_feed", args=[feed.secret]))
    assert "BEGIN:VEVENT" in response.content.decode()


def test_another_day_loads_in_place_with_htmx(phone_page, make_slot):
    first = make_slot(days=2, hour=9)
    later = make_slot(days=4, hour=10)
    day = timezone.localdate(first.starts_at).isoformat()
    phone_page.goto(f"{reverse('appointments:book')}?service=face_to_face&where=s{first.station_id}&day={day}")
    later_day = timezone.localdate(later.starts_at).isoformat()
    phone_page.click(f"#free-times a[href*='day={later_day}']")
    phone_page.wait_for_selector(f"a[href='{reverse('appointments:confirm', args=[later.pk])}']")
    assert f"day={later_day}" in phone_page.url
    assert phone_page.locator("h1").count() == 1


def test_staff_pages_fit_a_phone(phone_page, supervisor, counselor, station, make_slot, resident, password):
    from appointments.services.booking import appointment_book
    from centers.roster.services import duty_shift_create

    slot = make_slot(days=2, hour=9)
    appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    give_confirmed_phone(counselor)  # the crisis team takes only people reachable by text message
    duty_shift_create(
        actor=supervisor,
        center=station.center,
        kind="online_hotline",
        user=counselor,
        starts_at=at(1, 0),
        ends_at=at(1, 8),
        is_crisis_team=True,
    )
    supervisor.set_password(password)
    supervisor.save()
    sign_in_staff(phone_page, supervisor.email, password)
    phone_page.wait_for_load_state()
    day = timezone.localdate(slot.starts_at).isoformat()
    for url in (
        f"{reverse('appointments:day')}?day={day}&counselor={counselor.pk}",
        reverse("appointments:roster"),
        reverse("appointments:availability"),
        reverse("appointments:staff_book"),
        f"{reverse('appointments:station_week', args=[station.pk])}?week={day}",
        reverse("appointments:waitlist_staff"),
    ):
        phone_page.goto(url)
        assert phone_page.get_by_test_id("page-title").count() == 1, url
        assert no_sideways_scroll(phone_page), url
    phone_page.goto(reverse("appointments:roster"))
    screenshot(phone_page, "appointments-roster-phone")
