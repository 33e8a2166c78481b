"""Alerts arrive without a refresh: two counselors on duty have their workspaces open; two new residents (signed
up through the real form, on a phone) ask for help now; each workspace shows each alert within 5 seconds, the tab's
title says so, and the sound plays only for the counselor who switched it on. The polls are background requests."""

import time

import pytest

from cases.alerts.models import CrisisAlert
from centers.models import Role
from tests.browser.checks import zh
from tests.browser.conftest import screenshot, sign_in_staff
from tests.browser_support import sign_up_by_phone
from tests.factories import put_on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [("钱小满", "13900004444"), ("孙一禾", "13900005555")]
COUNT_PLAYS = """
window.__alertSoundsPlayed = 0;
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  window.__alertSoundsPlayed += 1;
  return play.call(this).catch(function () {});
};
"""


def _sign_up(page, station, name, phone, password):
    sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)


def test_both_workspaces_show_a_new_alert_within_5_seconds(browser, live_server, station, center, make_staff, password):
    counselors = [make_staff(Role.COUNSELOR, display_name=name) for name in ("值班老师甲", "值班老师乙")]
    workspaces = []
    polls: list[dict] = []
    for n, counselor in enumerate(counselors):
        put_on_duty(counselor, center)
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_init_script(COUNT_PLAYS)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "request",
            lambda request: polls.append(request.headers) if "/cases/alerts/" in request.url else None,
        )
        sign_in_staff(page, counselor.email, password)
        page.goto("/cases/workspace/")
        if n == 0:  # the first counselor allows the sound; the switch is kept in this browser
            page.get_by_label(zh("Play a sound when a new alert arrives (this browser only)")).check()
            page.reload()
            assert page.get_by_label(zh("Play a sound when a new alert arrives (this browser only)")).is_checked()
            page.evaluate("window.__alertSoundsPlayed = 0")
        workspaces.append((context, page))
    page_title = workspaces[0][1].title()
    time.sleep(3.5)  # each page has its first answer

    references = []
    for name, phone in PEOPLE:
        resident = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        phone_page = resident.new_page()
        _sign_up(phone_page, station, name, phone, password)
        phone_page.goto("/cases/help/")
        phone_page.get_by_test_id("help-now").get_by_role("button", name=zh("Call me back now")).click()
        phone_page.wait_for_load_state()
        asked = time.monotonic()
        resident.close()
        reference = CrisisAlert.objects.get(case__resident__full_name=name).case.reference
        references.append(reference)
        for _context, page in workspaces:
            page.get_by_test_id("open-alerts").get_by_text(reference).first.wait_for(
                timeout=max(100, int((5 - (time.monotonic() - asked)) * 1000))
            )
        assert time.monotonic() - asked <= 5
    first, second = (page for _context, page in workspaces)
    for page in (first, second):
        assert page.title().startswith("(!) " + zh("New crisis alert"))
        shown = page.get_by_test_id("open-alerts").inner_text()
        assert all(reference in shown for reference in references)
    assert first.evaluate("window.__alertSoundsPlayed") >= 2
    assert second.evaluate("window.__alertSoundsPlayed") == 0
    screenshot(first, "counselor-workspace-new-alert-live")
    first.click("h1")
    assert first.title() == page_title  # back at the page: the title is the page's own again

    assert polls and all(headers.get("x-fucheng-background") == "1" for headers in polls)
    for context, _page in workspaces:
        context.close()
