"""Five strangers sign up on the demo street, one after another, each on their own phone (375×812), through
the real sign-up form: some with an email address, some with a mobile number. Each reaches their own page and
sees their own name there, and nobody else's."""

import re

import pytest
from django.core import mail

from centers.models import Resident
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser.demo import demo  # noqa: F401  (fixture)
from tests.browser_support import sms_code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "quiet-river-2026-lantern"

# (name, station, email, mobile)
STRANGERS = [
    ("孙悦", "东风社区心理服务站", "sun.yue@example.cn", ""),
    ("周航", "新华社区心理服务站", "", "13912340001"),
    ("吴桐", "东风社区心理服务站", "wu.tong@example.cn", ""),
    ("郑雪", "光明社区心理服务站", "", "13912340002"),
    ("冯宇", "和平社区心理服务站", "feng.yu@example.cn", "13912340003"),
]
# The demo's own residents: a newcomer's page must not show them either.
DEMO_NAMES = ["林小雨", "黄海", "何秀英", "林小树"]


def confirm_link_for(email: str) -> str:
    """The confirmation address in the newest email to `email` (the test mail outbox)."""
    message = [m for m in mail.outbox if m.to == [email]][-1]
    found = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.mark.usefixtures("demo")
def test_five_strangers_sign_up_one_after_another_and_each_sees_only_their_own_page(browser, live_server):
    before = Resident.objects.count()
    for number, (name, station, email, phone) in enumerate(STRANGERS, start=1):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/accounts/signup/")
        page.fill("input[name=full_name]", name)
        # As the person reads the list: their station's name (the demo has two centers, so each names its own).
        choice = page.locator("select[name=station] option").filter(has_text=re.compile(f"^{re.escape(station)}（"))
        page.select_option("select[name=station]", choice.get_attribute("value"))
        if email:
            page.fill("input[name=email]", email)
        if phone:
            page.fill("input[name=phone]", phone)
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.click("form[action='/accounts/signup/'] button[type=submit]")
        if phone:  # the code texted to the number (the demo's console channel; the test outbox here)
            page.wait_for_url("**/accounts/phone/verify/")
            page.fill("input[name=code]", sms_code_sent_to(phone))
            page.click("form[action='/accounts/phone/verify/'] button[type=submit]:not([form])")
        if email and "/me/" not in page.url:  # the link in the email confirms the address and signs in
            page.goto(confirm_link_for(email))
            page.locator("main form button[type=submit]").first.click()
        page.wait_for_url("**/me/")

        assert page.get_by_test_id("page-title").inner_text() == zh("My page"), name
        main = page.locator("main").inner_text()
        assert name in main and station in main, f"{name} does not see their own name and station"
        if phone:
            assert f"{phone[:3]}****{phone[-4:]}" in main
        others = [other for other, *_ in STRANGERS if other != name] + DEMO_NAMES
        assert not [other for other in others if other in main], f"{name} sees someone else's name"
        assert_fits_phone(page)
        if number in (1, len(STRANGERS)):
            screenshot(page, f"stranger-{number}-own-page-phone")
        context.close()

    assert Resident.objects.count() == before + len(STRANGERS)
    made = Resident.objects.filter(full_name__in=[name for name, *_ in STRANGERS]).select_related("user")
    assert len({resident.user.pk for resident in made}) == len(STRANGERS)
    assert all(resident.user.username for resident in made)
