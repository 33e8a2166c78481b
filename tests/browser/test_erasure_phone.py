"""Two residents, signed up through the real form, ask on a phone (375×812) to erase their data: the one with an
open case is told before and after what is kept and why, and their counselor still reads the case; the one
without a case is erased as before."""

import pytest
from django.test import Client

from cases.models import CaseNote, Channel
from cases.services.intake import case_intake
from cases.services.notes import note_add
from cases.services.workflow import case_assign
from centers.models import Resident
from centers.privacy.models import ErasureRequest
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser_support import sign_up_by_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_up(page, name: str, phone: str, station, password: str) -> Resident:
    sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)
    return Resident.objects.get(full_name=name)


def _erase(page, password: str) -> None:
    page.goto("/me/data/")
    page.get_by_role("link", name=zh("Erase my data…")).click()
    page.wait_for_url("**/me/erase/")
    assert_fits_phone(page)
    page.fill("input[name=password]", password)
    page.check("input[name=confirm]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_two_residents_ask_for_erasure_on_a_phone(browser, live_server, phone_page, station, counselor, password):
    other_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    with_case, without_case = phone_page, other_context.new_page()
    without_case.set_default_timeout(10_000)
    try:
        first = _sign_up(with_case, "郑小禾", "13912350001", station, password)
        second = _sign_up(without_case, "冯大川", "13912350002", station, password)
        case, _created = case_intake(
            resident=first, center=station.center, channel=Channel.WALK_IN, source="", actor=counselor
        )
        case_assign(case=case, counselor=counselor, actor=counselor)
        note_add(case=case, actor=counselor, body="会谈：近来压力很大，有过轻生念头")

        # Before confirming, the person with a case reads what will be kept.
        with_case.goto("/me/erase/")
        preview = with_case.get_by_test_id("erasure-preview").inner_text()
        assert case.reference in preview
        _erase(with_case, password)
        kept = with_case.locator("main").inner_text()
        assert with_case.get_by_test_id("page-title").inner_text() == zh("Erasure request recorded")
        assert zh("What is kept, and why") in kept and case.reference in kept
        assert "12356" in with_case.inner_text("body")
        assert_fits_phone(with_case)
        screenshot(with_case, "resident-erasure-kept-phone")

        _erase(without_case, password)
        assert zh("Your data has been erased and your account closed.") in without_case.inner_text("body")
        assert Resident.objects.get(pk=second.pk).anonymised_at is not None

        # The counselor still opens the case and reads the note.
        assert CaseNote.objects.get(case=case).body == "会谈：近来压力很大，有过轻生念头"
        staff = Client()
        staff.force_login(counselor)
        page = staff.get(case.get_absolute_url()).content.decode()
        assert "会谈：近来压力很大，有过轻生念头" in page and "郑小禾" in page
        assert set(ErasureRequest.objects.values_list("outcome", flat=True)) == {"record_kept", "erased"}
    finally:
        other_context.close()
