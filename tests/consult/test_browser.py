"""In a real browser: a resident writes on a phone at night, the counselor on duty sees it in the workspace
and answers, and the resident sees the answer without reloading the page."""

import datetime as dt

import pytest
from django.utils import timezone

from centers.models import Role
from tests.browser_support import screenshot, sign_in, sign_in_staff
from tests.consult.conftest import put_on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_writes_on_a_phone_and_sees_the_answer_without_reloading(
    phone_page, page, resident_user, resident, make_staff, center, password
):
    counselor = make_staff(Role.COUNSELOR, display_name="夜班王老师")
    put_on_duty(counselor, center, start=timezone.now() - dt.timedelta(hours=1))

    # The resident, on a phone: entry point on My page, the separate consent, then the first message.
    sign_in(phone_page, resident_user.email, password)
    phone_page.wait_for_url("**/me/")
    phone_page.get_by_test_id("consult-entry").click()
    phone_page.wait_for_url("**/consult/")
    assert "夜班王老师" in phone_page.get_by_test_id("consult-on-duty").inner_text()
    phone_page.get_by_test_id("consult-needs-consent").get_by_role("link").click()
    phone_page.check("input[name=agree]")
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url("**/consult/")
    phone_page.fill("textarea[name=text]", "凌晨三点了还睡不着，心里很乱")
    phone_page.get_by_test_id("consult-start").locator("button[type=submit]").click()
    phone_page.wait_for_url("**/consult/*/")
    assert "凌晨三点了还睡不着" in phone_page.get_by_test_id("consult-lines").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    conversation_url = phone_page.url

    # The counselor on duty sees it waiting in the workspace, takes it and answers.
    sign_in_staff(page, counselor.email, password)
    page.wait_for_url("**/cases/workspace/")
    waiting = page.get_by_test_id("consult-waiting")
    assert "林小雨" in waiting.inner_text()
    waiting.get_by_role("button").first.click()
    page.wait_for_url("**/consult/staff/*/")
    assert "凌晨三点了还睡不着" in page.get_by_test_id("consult-lines").inner_text()
    page.fill("textarea[name=text]", "你好，我是值班的王老师，我在这里陪你")
    page.get_by_test_id("consult-reply").locator("button[type=submit]").click()
    page.wait_for_url("**/consult/staff/*/")

    # The phone never reloads: the answer arrives by polling.
    navigations = []
    phone_page.on("framenavigated", lambda frame: navigations.append(frame.url))
    phone_page.get_by_text("我是值班的王老师").wait_for(timeout=10_000)
    assert phone_page.url == conversation_url and navigations == []
    assert "夜班王老师" in phone_page.get_by_test_id("consult-lines").inner_text()
    screenshot(phone_page, "resident-online-conversation-phone")

    # And the counselor sees the resident's next line without reloading either.
    phone_page.fill("textarea[name=text]", "谢谢你")
    phone_page.get_by_test_id("consult-send").locator("button[type=submit]").click()
    page.get_by_test_id("consult-lines").get_by_text("谢谢你").wait_for(timeout=10_000)


def test_after_a_hand_over_the_old_page_stops_polling_and_says_so(page, writer, make_staff, center, password):
    from cases.consult import services

    evening = make_staff(Role.COUNSELOR, display_name="晚班赵老师")
    night = make_staff(Role.COUNSELOR, display_name="夜班王老师")
    put_on_duty(evening, center, start=timezone.now() - dt.timedelta(hours=1))
    put_on_duty(night, center, start=timezone.now() - dt.timedelta(hours=1))
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    services.conversation_take(conversation=conversation, actor=evening)

    sign_in_staff(page, evening.email, password)
    page.goto(conversation.get_staff_url())
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/messages/" in request.url else None)
    services.conversation_hand_over(conversation=conversation, actor=evening, note="交给夜班")
    page.get_by_test_id("consult-gone").wait_for(timeout=10_000)
    seen = len(polls)
    page.wait_for_timeout(4_000)
    assert len(polls) == seen  # no more polling after the 404
