"""A resident's journeys on a phone (375×812), checking what they see and that each page fits the screen.

Signs up → takes the PHQ-9 (consent first) → books a session → moves it → cancels it → joins the
waitlist → books the time it offers; and, separately, presses "I need help now", which raises a crisis
alert for the team on duty (the counselor's side of it is in test_journeys_staff.py).
"""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, WaitlistEntry
from appointments.services.waitlist import waitlist_offer_slot
from cases.alerts.models import CrisisAlert
from cases.screenings.models import Screening
from centers.models import DutyShift, Resident, Role, ShiftKind
from tests.appointments.factories import SlotFactory, at
from tests.browser.checks import assert_fits_phone, zh, zh_label
from tests.browser.conftest import screenshot, sign_in
from tests.browser_support import sms_code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_signs_up_screens_books_moves_cancels_and_waits(phone_page, station, counselor, password):
    page = phone_page
    first = SlotFactory(center=station.center, station=station, counselor=counselor, starts_at=at(2, 9))
    second = SlotFactory(center=station.center, station=station, counselor=counselor, starts_at=at(2, 11))

    # Sign up with a mobile number and a community station.
    page.goto("/accounts/signup/")
    assert_fits_phone(page)
    page.fill("input[name=full_name]", "陈小明")
    page.select_option("select[name=station]", str(station.pk))
    page.fill("input[name=phone]", "13912345678")
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("form[action='/accounts/signup/'] button[type=submit]")
    # The number is theirs once they type the code texted to it.
    page.wait_for_url("**/accounts/phone/verify/")
    assert_fits_phone(page)
    page.fill("input[name=code]", sms_code_sent_to("13912345678"))
    page.click("form[action='/accounts/phone/verify/'] button[type=submit]:not([form])")
    page.wait_for_url("**/me/")
    assert page.get_by_test_id("page-title").inner_text() == zh("My page")
    main = page.locator("main").inner_text()
    assert "陈小明" in main and "139****5678" in main and station.name in main
    assert_fits_phone(page)
    resident = Resident.objects.get(full_name="陈小明")

    # The self-check: consent first, then the PHQ-9.
    page.get_by_test_id("resident-actions").get_by_role("link", name=zh("Self-check")).click()
    page.wait_for_url("**/cases/self-check/")
    assert zh("Before the first questionnaire we ask for a separate consent.") in page.locator("main").inner_text()
    assert page.get_by_role("link", name="PHQ-9").count() == 0
    page.get_by_role("link", name=zh("Read and consent")).click()
    page.wait_for_url("**/cases/self-check/*/consent/")
    assert_fits_phone(page)
    page.check("input[name=agree]")
    page.get_by_role("button", name=zh("Give consent")).click()
    page.wait_for_url("**/cases/self-check/")
    page.get_by_role("link", name="PHQ-9").first.click()
    page.wait_for_url("**/cases/self-check/*/phq9/")
    assert_fits_phone(page)
    screenshot(page, "resident-phq9-phone")
    # Most days for half the items, never thoughts of self-harm: moderate (10), no crisis.
    for item, answer in {"q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 1, "q6": 1, "q7": 0, "q8": 0, "q9": 0}.items():
        page.check(f"input[name={item}][value='{answer}']")
    page.get_by_role("button", name=zh("Submit")).click()
    page.wait_for_url("**/cases/self-check/result/**")
    assert page.get_by_test_id("page-title").inner_text() == zh("Thank you for taking care of yourself")
    assert "12356" in page.locator("main").inner_text()
    assert_fits_phone(page)
    screening = Screening.objects.get(resident=resident)
    assert screening.score == 10

    # Book: service, place and day, then a free time, then confirm.
    page.locator("main").get_by_role("link", name=zh("Book a session")).click()
    page.wait_for_url("**/appointments/book/**")
    page.select_option("select[name=where]", f"s{station.pk}")
    page.fill("input[name=day]", timezone.localdate(first.starts_at).isoformat())
    page.get_by_role("button", name=zh("Show free times")).click()
    slots = page.get_by_test_id("free-slots")
    slots.wait_for()
    assert "09:00" in slots.inner_text() and "11:00" in slots.inner_text()
    assert_fits_phone(page)
    screenshot(page, "resident-book-phone")
    slots.locator("li").filter(has_text="09:00").get_by_role("link", name=zh("Choose this time")).click()
    assert page.get_by_test_id("page-title").inner_text() == zh("Confirm your booking")
    page.get_by_label(zh("What would you like to talk about? (optional)")).fill("最近睡不好，想聊聊")
    assert_fits_phone(page)
    page.get_by_role("button", name=zh("Confirm booking")).click()
    confirmation = page.get_by_test_id("confirmation")
    confirmation.wait_for()
    assert "09:00" in confirmation.inner_text() and "王老师" in confirmation.inner_text()
    assert page.get_by_test_id("status").inner_text() == zh_label(AppointmentStatus.BOOKED)
    assert_fits_phone(page)
    screenshot(page, "resident-appointment-phone")

    # Move it two hours later.
    page.get_by_role("link", name=zh("Move to another time")).click()
    assert page.get_by_test_id("page-title").inner_text() == zh("Move your appointment")
    assert_fits_phone(page)
    page.get_by_test_id("free-slots").locator("li").filter(has_text="11:00").get_by_role(
        "button", name=zh("Choose this time")
    ).click()
    page.get_by_test_id("confirmation").wait_for()
    assert "11:00" in page.get_by_test_id("confirmation").inner_text()
    moved = Appointment.objects.get(slot=second)
    assert moved.status == AppointmentStatus.BOOKED

    # Cancel it: the portal asks first, then cancels.
    page.get_by_role("button", name=zh("Cancel this appointment")).click()
    assert page.get_by_role("heading", name=zh("Cancel this appointment?")).count() == 1
    assert_fits_phone(page)
    page.get_by_role("button", name=zh("Yes, cancel the appointment")).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == zh_label(AppointmentStatus.CANCELLED)
    assert page.get_by_role("button", name=zh("Cancel this appointment")).count() == 0
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.CANCELLED

    # Join the waitlist for the next two weeks at the station.
    page.get_by_role("link", name=zh("All my appointments")).click()
    page.wait_for_url("**/appointments/mine/")
    assert_fits_phone(page)
    page.locator("main").get_by_role("link", name=zh("Join the waitlist")).click()
    page.select_option("select[name=where]", f"s{station.pk}")
    today = timezone.localdate()
    page.fill("input[name=first_day]", today.isoformat())
    page.fill("input[name=last_day]", (today + dt.timedelta(days=14)).isoformat())
    assert_fits_phone(page)
    page.get_by_role("button", name=zh("Join the waitlist")).click()
    # The 11:00 time she cancelled is free again: the portal says so rather than putting her on a waitlist.
    assert timezone.localdate(second.starts_at).isoformat() in page.locator("main").inner_text()
    assert page.input_value("input[name=last_day]") == (today + dt.timedelta(days=14)).isoformat()
    # Days after it are full: those she may wait for.
    after = timezone.localdate(second.starts_at) + dt.timedelta(days=1)
    page.fill("input[name=first_day]", after.isoformat())
    page.fill("input[name=last_day]", (after + dt.timedelta(days=10)).isoformat())
    page.get_by_role("button", name=zh("Join the waitlist")).click()
    page.wait_for_url("**/appointments/mine/")
    main = page.locator("main").inner_text()
    assert zh("You are on the waitlist. We will send you a message when a time frees up.") in main
    assert zh("Waitlist") in main and station.name in main
    assert page.get_by_role("button", name=zh("Leave the waitlist")).is_visible()
    assert_fits_phone(page)
    screenshot(page, "resident-my-appointments-phone")
    assert WaitlistEntry.objects.filter(resident=resident).count() == 1

    # A time frees up at the station: the first person waiting is offered it and books it from the offer.
    freed = SlotFactory(center=station.center, station=station, counselor=counselor, starts_at=at(3, 10))
    assert waitlist_offer_slot(slot=freed) is not None
    page.reload()
    assert zh("Times offered to you") in page.locator("main").inner_text()
    page.get_by_role("link", name=zh("See the offer")).click()
    assert page.get_by_test_id("page-title").inner_text() == zh("A time has become free for you")
    assert "10:00" in page.locator("main").inner_text()
    assert_fits_phone(page)
    screenshot(page, "resident-offer-phone")
    page.get_by_role("button", name=zh("Book this time")).click()
    page.get_by_test_id("confirmation").wait_for()
    assert "10:00" in page.get_by_test_id("confirmation").inner_text()
    assert page.get_by_test_id("status").inner_text() == zh_label(AppointmentStatus.BOOKED)
    assert Appointment.objects.get(slot=freed).resident == resident


def test_a_resident_presses_i_need_help_now_and_the_team_on_duty_is_alerted(
    phone_page, resident_user, resident, make_staff, center, password
):
    page = phone_page
    on_duty = make_staff(Role.COUNSELOR, display_name="值班老师")
    now = timezone.now()
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=on_duty,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        is_crisis_team=True,
    )
    sign_in(page, resident_user.email, password)
    page.wait_for_url("**/me/")
    strip = page.get_by_test_id("crisis-strip")
    assert "12356" in strip.inner_text() and "110" in strip.inner_text()
    strip.get_by_role("link", name=zh("I need help now")).click()
    page.wait_for_url("**/cases/help/")
    assert page.get_by_role("heading", level=1).inner_text() == zh("You are not alone. Help is here now.")
    assert page.locator("main a[href='tel:12356']").is_visible()
    callback = page.get_by_test_id("help-now")
    assert callback.get_by_label(zh("Number to call you back on")).input_value() == resident.phone
    assert_fits_phone(page)
    screenshot(page, "resident-help-now-phone")
    callback.get_by_role("button", name=zh("Call me back now")).click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "我们已收到您的请求" in main and "我们无法保证具体多久" in main
    assert page.get_by_test_id("my-callback-request").count() == 1
    assert_fits_phone(page)
    alert = CrisisAlert.objects.get(case__resident=resident)
    assert alert.acknowledged_at is None
