"""3 a.m.: two new residents (signed up through the real form, on phones) ask for help now. The dispatcher sends
each alert to the counselor on duty by SMS and email through the outbox; the supervisor's console shows how each
message went; the counselor, not signed in, acknowledges each alert from the link in the SMS on a phone, and the
page shows nothing of the case."""

import re

import pytest

from cases.alerts.models import CrisisAlert
from cases.services.dispatch import outbox_dispatch
from centers.messaging.models import MessageChannel, MessageStatus, OutboundMessage
from centers.models import Role
from tests.browser.checks import zh, zh_label
from tests.browser.conftest import screenshot, sign_in_staff
from tests.browser_support import sign_up_by_phone
from tests.factories import put_on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [("周小晴", "13900006666"), ("吴一帆", "13900007777")]
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "locale": "zh-CN"}


def test_the_counselor_on_duty_acknowledges_each_alert_from_the_sms_link_and_the_console_shows_the_deliveries(
    browser, live_server, station, center, make_staff, password, sms_outbox, settings
):
    settings.FUCHENG_BASE_URL = live_server.url
    night = make_staff(Role.COUNSELOR, display_name="夜班老师", phone="13700000009", email="night@example.cn")
    supervisor = make_staff(Role.SUPERVISOR, display_name="周督导")
    put_on_duty(night, center)

    for name, phone in PEOPLE:
        resident = browser.new_context(base_url=live_server.url, **PHONE)
        page = resident.new_page()
        sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)
        page.goto("/cases/help/")
        page.get_by_test_id("help-now").get_by_role("button", name=zh("Call me back now")).click()
        page.wait_for_load_state()
        resident.close()
    assert CrisisAlert.objects.filter(acknowledged_at__isnull=True).count() == 2

    outbox_dispatch()  # the dispatcher process's pass (`manage.py dispatch_outbox` in the demo)

    texts = [m["text"] for m in sms_outbox if m["phone"] == night.phone]
    assert len(texts) == 2
    links = [re.search(r"确认接手：(\S+)", text).group(1) for text in texts]
    assert all(link.startswith(f"{live_server.url}/cases/a/") for link in links)
    assert OutboundMessage.objects.filter(user=night, status="sent").count() == 4  # SMS and email, two alerts

    console_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    console = console_context.new_page()
    sign_in_staff(console, supervisor.email, password)
    console.goto("/cases/console/")
    deliveries = console.get_by_test_id("alert-deliveries")
    assert deliveries.count() == 2
    shown = deliveries.first.inner_text()
    assert "夜班老师" in shown and f"{zh_label(MessageChannel.SMS)}: {zh_label(MessageStatus.SENT)}" in shown
    screenshot(console, "alert-from-phone-console")

    counselor_phone = browser.new_context(**PHONE)
    phone_page = counselor_phone.new_page()
    for n, link in enumerate(links):
        phone_page.goto(link)
        body = phone_page.get_by_test_id("alert-link")
        assert body.get_attribute("data-state") == "open"
        for name, _phone in PEOPLE:
            assert name not in phone_page.content()
        if n == 0:
            screenshot(phone_page, "alert-from-phone-link")
        phone_page.get_by_test_id("alert-link-ack").click()
        phone_page.wait_for_load_state()
        assert phone_page.get_by_test_id("alert-link").get_attribute("data-state") == "mine"
        assert phone_page.get_by_test_id("page-title").inner_text() == zh("Alert acknowledged: it is yours")
    screenshot(phone_page, "alert-from-phone-acknowledged")
    # The link opened no session: the case still asks for the full sign-in.
    phone_page.goto(f"{live_server.url}/cases/{CrisisAlert.objects.first().case.pk}/")
    assert "/accounts/login/" in phone_page.url

    assert CrisisAlert.objects.filter(acknowledged_by=night).count() == 2
    console.goto("/cases/console/")
    assert console.get_by_test_id("open-alerts").count() == 0
    for context in (console_context, counselor_phone):
        context.close()
