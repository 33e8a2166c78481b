"""Acute signals on a phone (375x812): two new residents ask for help twice, one writes a risk phrase to the
counselor on duty, a visitor without an account leaves a landline; the on-duty counselor sees every request."""

import pytest

from cases.alerts.models import CrisisAlert
from centers.models import Resident, Role
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot, sign_in_staff
from tests.browser_support import sign_up_by_phone
from tests.factories import put_on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [("周小北", "13900001111"), ("吴晓南", "13900002222")]


def _sign_up(page, station, name, phone, password):
    sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)


def test_two_new_residents_ask_twice_and_the_counselor_sees_each_request(
    browser, live_server, station, center, make_staff, password
):
    on_duty = make_staff(Role.COUNSELOR, display_name="值班老师")
    put_on_duty(on_duty, center)
    for n, (name, phone) in enumerate(PEOPLE):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        page = context.new_page()
        _sign_up(page, station, name, phone, password)
        for times in (1, 2):
            page.goto("/cases/help/")
            page.get_by_test_id("help-now").get_by_role("button", name=zh("Call me back now")).click()
            page.wait_for_load_state()
            assert page.get_by_test_id("my-callback-request").count() == times
        main = page.locator("main").inner_text()
        assert "我们无法保证具体多久" in main and "通常" not in main
        assert_fits_phone(page)
        if n == 0:
            screenshot(page, "resident-help-now-asked-twice-phone")
        context.close()
    for name, _phone in PEOPLE:
        alert = CrisisAlert.objects.get(case__resident__full_name=name)
        assert alert.requests.count() == 2
    staff = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    sign_in_staff(page, on_duty.email, password)
    page.goto("/cases/workspace/")
    alerts = page.get_by_test_id("open-alerts")
    assert alerts.get_by_test_id("callback-request").count() == 4
    assert alerts.inner_text().count(zh("asked again")) == 2
    screenshot(page, "counselor-alerts-asked-again")
    staff.close()


def test_a_risk_phrase_shows_the_hotlines_at_once(phone_page, station, center, make_staff, password):
    page = phone_page
    on_duty = make_staff(Role.COUNSELOR, display_name="值班老师")
    put_on_duty(on_duty, center)
    _sign_up(page, station, "郑一鸣", "13900003333", password)
    person = Resident.objects.get(full_name="郑一鸣")
    consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=person.user)
    page.goto("/consult/")
    page.fill("textarea[name=text]", "我真的撑不下去了，药已经准备好了")
    page.locator("main form button[type=submit]").first.click()
    page.get_by_test_id("consult-risk-help").wait_for()
    box = page.get_by_test_id("consult-risk-help").inner_text()
    assert "12356" in box and "110" in box and "我们无法保证具体多久" in box
    assert_fits_phone(page)
    screenshot(page, "resident-risk-phrase-help-phone")
    assert CrisisAlert.objects.filter(case__resident=person, acknowledged_at__isnull=True).count() == 1


def test_a_visitor_without_an_account_leaves_a_landline(phone_page, center, make_staff):
    page = phone_page
    on_duty = make_staff(Role.COUNSELOR, display_name="值班老师")
    put_on_duty(on_duty, center)
    page.goto("/cases/help/")
    form = page.get_by_test_id("visitor-callback")
    form.get_by_label(zh("Number to call you back on")).fill("028-88880000")
    form.get_by_label(zh("Your name or how we should address you (optional)")).fill("老李")
    assert_fits_phone(page)
    form.get_by_role("button", name=zh("Call me back now")).click()
    page.wait_for_load_state()
    assert "我们已收到您的请求" in page.locator("main").inner_text()
    screenshot(page, "visitor-callback-phone")
    alert = CrisisAlert.objects.get()
    assert alert.callback_phone == "028-88880000" and alert.requests.get().source == "visitor"
