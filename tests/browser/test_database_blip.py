"""On a phone (375x812): two new residents ask for help now while the database refuses every query; each sees
the hotlines first, "not saved yet" and a button; once the database is back, pressing it stores the request once."""

import pytest
from django.db import OperationalError

from cases.alerts.models import CallbackRequest
from centers.models import Role
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser_support import sign_up_by_phone
from tests.factories import put_on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [("冯小路", "13900006666"), ("褚一言", "13900007777")]


@pytest.fixture
def database_away(monkeypatch):
    """While `away.on`, every new cursor in every thread (the live server's too) fails like a refused PostgreSQL."""
    from django.db.backends.base import base

    class Away:
        on = False

    original = base.BaseDatabaseWrapper.cursor

    def cursor(self, *args, **kwargs):
        if Away.on:
            raise OperationalError("could not connect to server: Connection refused")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(base.BaseDatabaseWrapper, "cursor", cursor)
    return Away


def _sign_up(page, station, name, phone, password):
    sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)


def test_two_residents_resend_their_help_now_after_the_database_is_back(
    browser, live_server, station, center, make_staff, password, settings, database_away
):
    settings.DEBUG = False
    settings.FUCHENG_CRISIS_RETRY_DELAYS = [0.1, 0.1]
    put_on_duty(make_staff(Role.COUNSELOR, display_name="值班老师"), center)
    for n, (name, phone) in enumerate(PEOPLE):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        _sign_up(page, station, name, phone, password)
        page.goto("/cases/help/")
        database_away.on = True
        try:
            page.get_by_test_id("help-now").get_by_role("button", name=zh("Call me back now")).click()
            page.get_by_test_id("not-saved-page").wait_for()
            main = page.locator("main").inner_text()
            assert main.index("12356") < main.index(zh("Your request could not be saved yet"))
            assert zh("Send it again") in main and "110" in main
            assert page.locator("[data-testid=resend-form] input[name=phone]").input_value() == phone
            assert_fits_phone(page)
            if n == 0:
                screenshot(page, "resident-help-now-not-saved-yet-phone")
        finally:
            database_away.on = False
        assert not CallbackRequest.objects.filter(phone=phone).exists()
        page.get_by_role("button", name=zh("Send it again")).click()
        page.wait_for_url("**/cases/help/")
        assert page.get_by_test_id("my-callback-request").count() == 1
        assert CallbackRequest.objects.filter(phone=phone).count() == 1
        context.close()
