"""Intake stays in scope, in the browser (issue 25, item 3): a resident signs up on her phone through the real
form; a counselor of another station, taking a call, types her number and learns nothing of her (he opens a
record of the caller's own); her own station's counselor finds the contact passed on and takes it up."""

import pytest

from cases.models import Case
from cases.referrals.models import StationRequest
from centers.models import Resident, Role
from tests.browser.checks import assert_accessible, zh
from tests.browser.conftest import screenshot, sign_in_staff
from tests.browser.test_signup_strangers import _sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_a_call_about_another_stations_resident_is_passed_on_not_opened(
    browser, live_server, phone_page, make_staff, station, other_station, password
):
    _sign_up(phone_page, station=station, full_name="林晓雨", phone="13912340001", password=password)
    resident = Resident.objects.get(full_name="林晓雨")
    east = make_staff(Role.COUNSELOR, station=station, display_name="东站王老师", password=password)
    west = make_staff(Role.COUNSELOR, station=other_station, display_name="西站李老师", password=password)

    # The west station's counselor takes a call and types the number the caller gives.
    page = _staff_page(browser, live_server)
    sign_in_staff(page, west.email, password)
    page.goto("/cases/new/")
    page.fill("input[name=phone]", "13912340001")
    page.fill("input[name=full_name]", "来电人")
    page.select_option("select[name=station]", str(other_station.pk))
    page.select_option("select[name=channel]", "hotline")
    page.fill("textarea[name=summary]", "深夜来电，说自己睡不着")
    page.get_by_role("button", name=zh("Open or join the case")).click()
    page.wait_for_url("**/cases/*/")
    shown = page.locator("main").inner_text()
    assert "来电人" in shown and "林晓雨" not in shown and "林**" not in shown
    assert Case.objects.get(resident__full_name="来电人").station == other_station
    assert not Case.objects.filter(resident=resident).exists()

    # The east station's counselor finds it passed on, and takes it up into her record.
    own = _staff_page(browser, live_server)
    sign_in_staff(own, east.email, password)
    own.goto("/cases/workspace/")
    own.get_by_role("link", name=zh("Passed-on contacts")).click()
    own.wait_for_url("**/cases/passed-on/")
    listing = own.get_by_test_id("station-requests").inner_text()
    assert "林晓雨" in listing and "深夜来电" in listing and "来电人" in listing
    assert_accessible(own)
    screenshot(own, "staff-passed-on-contacts")
    own.get_by_role("button", name=zh("Take it up")).click()
    own.wait_for_url("**/cases/*/")
    case = Case.objects.get(resident=resident)
    assert "深夜来电" in case.summary
    assert StationRequest.objects.get().case == case
    assert case.reference in own.locator("main").inner_text()
