"""Strangers sign up on a phone (375×812) by mobile number: the code arrives by SMS, they type it and
reach their own page; a person staff registered at a walk-in signs up later and finds one record."""

import pytest

from centers.models import Resident, User
from centers.services import resident_create_by_staff
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser_support import sms_code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_up(page, *, station, full_name: str, phone: str, password: str, shot: str = "") -> None:
    page.goto("/accounts/signup/")
    assert_fits_phone(page)
    page.fill("input[name=full_name]", full_name)
    page.select_option("select[name=station]", str(station.pk))
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("form[action='/accounts/signup/'] button[type=submit]")
    page.wait_for_url("**/accounts/phone/verify/")
    assert_fits_phone(page)
    assert phone in page.locator("main").inner_text()
    if shot:
        screenshot(page, shot)
    page.fill("input[name=code]", sms_code_sent_to(phone))
    page.click("form[action='/accounts/phone/verify/'] button[type=submit]:not([form])")
    page.wait_for_url("**/me/")
    assert page.get_by_test_id("page-title").inner_text() == zh("My page")
    assert_fits_phone(page)


def test_two_strangers_sign_up_by_phone_type_the_code_and_reach_their_page(browser, live_server, station, password):
    people = [("陈小明", "13912345678"), ("周晓红", "13698765432")]
    for number, (full_name, phone) in enumerate(people):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        _sign_up(
            page,
            station=station,
            full_name=full_name,
            phone=phone,
            password=password,
            shot="signup-code-phone" if number == 0 else "",
        )
        main = page.locator("main").inner_text()
        assert full_name in main and f"{phone[:3]}****{phone[-4:]}" in main and station.name in main
        if number == 0:
            screenshot(page, "signup-done-phone")
        context.close()

    assert sorted(Resident.objects.values_list("full_name", flat=True)) == ["周晓红", "陈小明"]
    assert set(User.objects.values_list("phone_verified", flat=True)) == {True}


def test_a_walk_in_registered_by_staff_signs_up_later_and_finds_one_record(
    browser, live_server, station, counselor, password
):
    kept = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    strangers = [("吴秀兰", "13511112222"), ("郑海", "13533334444")]
    for full_name, phone in strangers:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        _sign_up(page, station=station, full_name=full_name, phone=phone, password=password)
        assert full_name in page.locator("main").inner_text()
        context.close()

    assert Resident.objects.filter(full_name="吴秀兰").count() == 1
    kept.refresh_from_db()
    assert kept.user is not None and kept.user.phone == "13511112222"
    assert Resident.objects.get(full_name="郑海").user.phone_verified
