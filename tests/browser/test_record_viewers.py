"""'Who viewed my record' on a phone (375x812), for two residents who sign up through the real form.

Two counselors at two stations each open one of the two people's case; each person then sees exactly the staff
reads of their own record (role, station, time in words), never the other's, never their own acts, and looking
again does not lengthen the list.
"""

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from cases.selectors import case_page_for
from centers.models import Resident, Role
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser_support import sign_up_by_phone
from tests.cases.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_up(page, *, name: str, phone: str, station, password: str) -> Resident:
    page.context.clear_cookies()
    sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)
    return Resident.objects.get(full_name=name)


def _audit_word(code_label: str) -> str:
    with translation.override("zh-hans"):
        return pgettext("audit action", code_label)


def test_two_new_residents_each_see_only_the_staff_who_opened_their_own_record(
    phone_page, center, station, other_station, make_staff, password
):
    page = phone_page
    east = make_staff(Role.COUNSELOR, station=station, display_name="王老师")
    west = make_staff(Role.COUNSELOR, station=other_station, display_name="李老师")
    people = [
        (_sign_up(page, name="陈小明", phone="13912345678", station=station, password=password), east, station),
        (
            _sign_up(page, name="刘小红", phone="13987654321", station=other_station, password=password),
            west,
            other_station,
        ),
    ]
    for person, counselor, where in people:
        case = CaseFactory(center=center, resident=person, station=where)
        case.counselors.add(counselor)
        case_page_for(user=counselor, pk=case.pk)  # the counselor opens the case page: the case and its notes

    for number, ((person, _, where), (_, _, elsewhere)) in enumerate(
        zip(people, reversed(people), strict=True), start=1
    ):
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.fill("input[name=login]", person.phone)
        page.fill("input[name=password]", password)
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url("**/me/")
        page.get_by_test_id("privacy-links").get_by_role("link", name=zh("Who viewed my record")).click()
        page.wait_for_url("**/me/data/viewers/")
        assert page.get_by_test_id("page-title").inner_text() == zh("Who viewed my record")
        items = page.get_by_test_id("record-view")
        assert items.count() == 2
        for text in items.all_inner_texts():
            assert zh("Counselor") in text and where.name in text and "年" in text
            assert elsewhere.name not in text and "王老师" not in text and "李老师" not in text
        listed = page.get_by_test_id("record-viewers").inner_text()
        assert _audit_word("Opened the case") in listed and _audit_word("Read the case notes") in listed
        assert "12356" in page.inner_text("body")
        assert_fits_phone(page)
        screenshot(page, f"record-viewers-phone-{number}")  # by place in the walk: a database id changes per run

        # Looking again, and looking at "my data", are the person's own acts: the list stays as it was.
        page.goto("/me/data/")
        assert page.get_by_test_id("my-record").inner_text().count(person.full_name) == 1
        assert_fits_phone(page)
        page.goto("/me/data/viewers/")
        assert page.get_by_test_id("record-view").count() == 2
