"""The crisis journey in a real browser: acute answers on a phone → crisis page → the on-duty counselor's queue."""

import datetime as dt

import pytest
from django.utils import timezone

from centers.models import DutyShift, Role, ShiftKind
from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import screenshot, sign_in, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_acute_answers_reach_the_counselor_on_duty(
    phone_page, page, resident_user, resident, make_staff, center, password
):
    counselor = make_staff(Role.COUNSELOR, display_name="值班老师")
    now = timezone.now()
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=counselor,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        is_crisis_team=True,
    )

    sign_in(phone_page, resident_user.email, password)
    phone_page.wait_for_url("**/me/")
    phone_page.goto("/cases/self-check/")
    phone_page.locator(f"a[href='/cases/self-check/{resident.pk}/consent/']").click()
    phone_page.check("input[name=agree]")
    phone_page.locator("main form button[type=submit]").first.click()
    phone_page.wait_for_url("**/cases/self-check/")
    phone_page.locator(f"a[href='/cases/self-check/{resident.pk}/asq/']").click()
    for item in ("q1", "q2", "q3", "q5"):
        phone_page.check(f"input[name={item}][value='1']")
    phone_page.check("input[name=q4][value='0']")
    assert no_sideways_scroll(phone_page)
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url("**/cases/self-check/help/**")
    assert phone_page.get_by_test_id("team-alerted").is_visible()
    assert "12356" in phone_page.locator("main").inner_text()
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "resident-acute-self-check-phone")

    sign_in_staff(page, counselor.email, password)
    page.wait_for_url("**/cases/workspace/")
    assert page.get_by_test_id("open-alerts").is_visible()
    first_case = page.get_by_test_id("case-row").first
    assert resident.full_name in first_case.inner_text()
    page.get_by_test_id("open-alerts").locator("form button[type=submit]").first.click()
    page.wait_for_url("**/cases/*/")
    assert page.get_by_test_id("case-header").is_visible()
