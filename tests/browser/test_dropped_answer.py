"""On a phone (375x812): two new residents send a PHQ-9 with thoughts of self-harm; the web instance stores it
but dies before answering, so the proxy in front shows its own 502 page. Each sees the hotlines and the advice
to reload; reloading sends the same page again, which lands on the crisis page saying it was already received:
one screening and one alert each, never two."""

import pytest
from django.utils import translation

from cases.alerts.models import CrisisAlert
from cases.screenings.models import Screening
from centers.infra.error_pages import proxy_error_html
from centers.models import Resident, Role
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser_support import sign_up_by_phone
from tests.factories import put_on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [("韩小舟", "13900008881"), ("杨一帆", "13900008882")]
ACUTE = {"q1": 2, "q2": 2, "q3": 1, "q4": 1, "q5": 0, "q6": 1, "q7": 0, "q8": 0, "q9": 3}


def test_an_answer_the_proxy_dropped_is_sent_again_and_stored_once(
    browser, live_server, station, center, make_staff, password, settings
):
    settings.DEBUG = False
    put_on_duty(make_staff(Role.COUNSELOR, display_name="值班老师"), center)
    with translation.override("zh-hans"):
        proxy_page = proxy_error_html(502)  # what `manage.py proxy_error_pages` gives HAProxy
    for n, (name, phone) in enumerate(PEOPLE):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)
        resident = Resident.objects.get(full_name=name)
        page.goto("/cases/self-check/")
        page.get_by_role("link", name=zh("Read and consent")).click()
        page.check("input[name=agree]")
        page.get_by_role("button", name=zh("Give consent")).click()
        page.wait_for_url("**/cases/self-check/")
        page.get_by_role("link", name="PHQ-9").first.click()
        page.wait_for_url("**/cases/self-check/*/phq9/")
        for item, answer in ACUTE.items():
            page.check(f"input[name={item}][value='{answer}']")

        def instance_dies_after_storing(route):
            route.fetch(max_redirects=0)  # the instance stores the answers; its reply never reaches the person
            route.fulfill(status=502, content_type="text/html; charset=utf-8", body=proxy_page)

        page.route("**/cases/self-check/*/phq9/", instance_dies_after_storing, times=1)
        page.get_by_role("button", name=zh("Submit")).click()
        page.get_by_test_id("error-hotlines").wait_for()
        main = page.locator("main").inner_text()
        assert zh("The service is briefly unavailable") in main and "12356" in main and "120" in main
        assert "刷新本页并确认再次发送" in main  # "reload this page and confirm that you want to send it again"
        assert_fits_phone(page)
        if n == 0:
            screenshot(page, "resident-answer-dropped-by-the-proxy-phone")
        assert Screening.objects.filter(resident=resident).count() == 1  # stored, though the person was not told

        page.reload()  # "reload this page and confirm": the browser sends the same page again
        page.wait_for_url("**/cases/self-check/help/**")
        assert page.get_by_test_id("team-alerted").is_visible()
        assert zh("We already have what you sent. Nothing was stored twice.") in page.locator("main").inner_text()
        assert_fits_phone(page)
        if n == 0:
            screenshot(page, "resident-answer-sent-again-stored-once-phone")
        assert Screening.objects.filter(resident=resident).count() == 1
        assert CrisisAlert.objects.filter(case__resident=resident).count() == 1
        context.close()
