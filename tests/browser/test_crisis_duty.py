"""The supervisors' side of the on-duty rule and the deadlines, in a real browser: an alert raised while nobody
eligible is on duty, a missed deadline on the console, and the roster refusing a street official."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases.models import Channel, Tier
from cases.services import intake
from centers.models import DutyShift, Role, ShiftKind
from tests.browser.conftest import screenshot, sign_in_staff
from tests.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_supervisors_see_the_uncovered_alert_and_the_missed_deadline_and_the_roster_refuses_an_official(
    page, browser, live_server, make_staff, center, station, password
):
    first = make_staff(Role.SUPERVISOR, display_name="周督导")
    second = make_staff(Role.SUPERVISOR, display_name="吴督导")
    official = make_staff(Role.OFFICIAL, display_name="街道干部老刘")
    now = timezone.now()
    DutyShift.objects.create(  # put there before the rule existed: it must not count
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=official,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        is_crisis_team=True,
    )
    with time_machine.travel(now - dt.timedelta(hours=30), tick=False):
        serious, _ = intake.case_intake(
            resident=ResidentFactory(center=center, station=station),
            center=center,
            channel=Channel.WALK_IN,
            source="",
            actor=None,
            tier=Tier.SERIOUS,
        )
    alerted, _ = intake.case_intake(
        resident=ResidentFactory(center=center, station=station),
        center=center,
        channel=Channel.HELP_NOW,
        source="",
        actor=None,
    )

    second_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    second_page = second_context.new_page()
    for supervisor, tab in ((first, page), (second, second_page)):
        sign_in_staff(tab, supervisor.email, password)
        tab.goto("/cases/console/")
        notice = tab.get_by_test_id("alert-nobody-on-duty")
        assert notice.is_visible() and "当时无合格人员值班" in notice.inner_text()
        missed = tab.get_by_test_id("missed-deadlines")
        assert serious.reference in missed.inner_text() and "严重个案联系" in missed.inner_text()
        assert alerted.reference in tab.get_by_test_id("open-alerts").inner_text()
    screenshot(page, "supervisor-console-nobody-on-duty-and-missed-deadline")
    second_context.close()

    page.goto("/appointments/staff/roster/")
    start = timezone.localtime(now + dt.timedelta(days=2)).replace(hour=9, minute=0)
    page.select_option("select[name=kind]", "online_hotline")
    page.select_option("select[name=user]", str(official.pk))
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=is_crisis_team]")
    page.locator("form[action='/appointments/staff/roster/add/'] button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("form[action='/appointments/staff/roster/add/'] [role=alert]")
    assert "不能把 街道干部老刘 排入危机干预小组" in error.inner_text()
    assert page.input_value("input[name=starts_at]") == start.strftime("%Y-%m-%dT%H:%M")
    assert page.get_by_test_id("crisis-gaps").is_visible()
    # The official's old shift does not count; one that runs past midnight is listed under both of its days.
    texts = page.get_by_test_id("shift-not-counted").all_inner_texts()
    assert texts and all("不计入值班" in text for text in texts)
    screenshot(page, "roster-refuses-an-official")
    assert not DutyShift.objects.filter(user=official, starts_at__gt=now).exists()
