"""A first look in a real browser: the front page, the crisis strip, signing in per role."""

import pytest

from centers.models import Role
from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import screenshot, sign_in
from tests.browser_support import sign_up_by_phone
from tests.factories import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_sees_the_hotlines_and_can_reach_help_from_a_phone(phone_page):
    phone_page.goto("/")
    strip = phone_page.get_by_test_id("crisis-strip")
    assert "12356" in strip.inner_text()
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "resident-home-phone")
    strip.get_by_role("link", name="我需要帮助").click()
    assert phone_page.get_by_role("heading", level=1).inner_text() == "您并不孤单，现在就可以获得帮助。"


def test_a_counselor_signs_in_and_lands_on_the_workspace(page, make_staff, station, password):
    counselor = make_staff(Role.COUNSELOR, station=station)
    sign_in(page, counselor.email, password)
    # Staff have an authenticator app (make_staff): the second step asks for its code.
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_url("**/cases/workspace/")
    assert page.get_by_test_id("page-title").inner_text() == "咨询师工作台"
    assert "12356" in page.get_by_test_id("crisis-strip").inner_text()


def test_a_resident_signs_up_with_a_mobile_number(page, station):
    sign_up_by_phone(page, station=station, full_name="陈小明", phone="13912345678", password="quiet-river-2026")
    assert "陈小明" in page.content()
    assert "139****5678" in page.content()


def test_the_language_switch_turns_the_page_into_english(page):
    page.goto("/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="I need help now").first.is_visible()
