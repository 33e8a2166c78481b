"""A counselor leaves a case page open with a half-written note: after 30 idle minutes the page goes to
the sign-in page, which says why; after signing in again the note is back. A colleague who signs in at
the same tab later never sees it."""

from __future__ import annotations

import time

import pytest
import time_machine

from centers.models import Role
from tests.browser.conftest import screenshot, sign_in_staff
from tests.cases.conftest import open_case, person  # noqa: F401  (fixtures)
from tests.factories import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT = "来访者谈到夜间难以入睡，约定下周复谈。"


def test_an_idle_page_signs_out_and_the_draft_note_comes_back(page, open_case, counselor, make_staff, password):  # noqa: F811
    colleague = make_staff(Role.COUNSELOR, station=open_case.station, display_name="李老师")
    open_case.counselors.add(colleague)
    case_path = f"/cases/{open_case.pk}/"
    sign_in_staff(page, counselor.email, password)
    page.clock.install()
    page.goto(case_path)
    page.fill("textarea[name=body]", DRAFT)

    start = time.time()
    with time_machine.travel(start + 31 * 60, tick=True):
        page.clock.fast_forward("01:05")  # the page's once-a-minute idle check
        page.wait_for_url("**/accounts/login/?next=*")
        assert "您已 30 分钟没有操作，系统已自动退出，请重新登录。" in page.inner_text("main")
        screenshot(page, "staff-idle-signed-out")
        # Signing in again on this very page (it carries the case page as `next`).
        page.fill("input[name=login]", counselor.email)
        page.fill("input[name=password]", password)
        page.click("form[action^='/accounts/login/'] button[type=submit]")
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("input[name=code]", totp_code())
        page.click("main button[type=submit]")
        page.wait_for_url(f"**{case_path}")
        assert page.input_value("textarea[name=body]") == DRAFT
        assert page.locator("[data-testid=draft-restored]").is_visible()
        screenshot(page, "staff-idle-draft-restored")

        # The colleague signs in at the same tab: the first counselor's draft is not theirs.
        page.goto("/accounts/logout/")
        page.locator("main form button[type=submit]").click()
        sign_in_staff(page, colleague.email, password)
        page.goto(case_path)
        assert page.input_value("textarea[name=body]") == ""
        assert page.locator("[data-testid=draft-restored]").count() == 0
