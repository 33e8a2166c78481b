"""Two residents, signed up through the real form, each open their own safety plan from their home page on a
phone (375×812): the six steps their counselor wrote with them, nobody else's, with the hotlines."""

import pytest

from cases.models import Channel
from cases.safety.services import safety_plan_save
from cases.services.intake import case_intake
from cases.services.workflow import case_assign
from centers.models import Resident
from tests.browser.checks import assert_fits_phone, zh
from tests.browser.conftest import screenshot
from tests.browser_support import sign_up_by_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLANS = {
    "周晓雯": {
        "warning_signs": "连续几天睡不着，开始觉得自己是家里的负担",
        "coping": "听喜欢的歌，出门走二十分钟",
        "distraction": "去社区图书馆；找表姐喝茶",
        "help_people": "妈妈，表姐",
        "professionals": "王老师；中心24小时热线；12356",
        "safe_environment": "安眠药交给妈妈保管",
    },
    "吴海峰": {
        "warning_signs": "喝酒以后特别烦躁",
        "coping": "冲个冷水澡，做俯卧撑",
        "distraction": "去球场看人打球",
        "help_people": "老同学阿强",
        "professionals": "王老师；12356",
        "safe_environment": "家里不放酒",
    },
}


def _sign_up(page, name: str, phone: str, station, password: str) -> Resident:
    sign_up_by_phone(page, station=station, full_name=name, phone=phone, password=password)
    return Resident.objects.get(full_name=name)


def test_two_residents_each_see_their_own_safety_plan_on_a_phone(
    browser, live_server, phone_page, station, counselor, password
):
    second_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    pages = {"周晓雯": phone_page, "吴海峰": second_context.new_page()}
    try:
        people = {}
        for (name, page), phone in zip(pages.items(), ("13912340001", "13912340002"), strict=True):
            page.set_default_timeout(10_000)
            people[name] = _sign_up(page, name, phone, station, password)
        # Nothing yet: the page says so, and still offers help.
        page = pages["周晓雯"]
        page.get_by_test_id("safety-plan-entry").click()
        page.wait_for_url("**/cases/my-safety-plan/")
        assert page.get_by_test_id("no-safety-plan").is_visible()

        # Each person's counselor writes the plan with them (twice for the first: the newest version shows).
        for name, person in people.items():
            case, _created = case_intake(
                resident=person, center=station.center, channel=Channel.WALK_IN, source="", actor=counselor
            )
            case_assign(case=case, counselor=counselor, actor=counselor)
            steps = PLANS[name]
            if name == "周晓雯":
                safety_plan_save(
                    case=case, actor=counselor, steps={**steps, "coping": "旧的一版"}, written_with_person=True
                )
            safety_plan_save(case=case, actor=counselor, steps=steps, written_with_person=True)

        for name, page in pages.items():
            other = next(n for n in PLANS if n != name)
            page.goto("/me/")
            page.get_by_test_id("safety-plan-entry").click()
            page.wait_for_url("**/cases/my-safety-plan/")
            assert page.get_by_test_id("page-title").inner_text() == zh("My safety plan")
            plan = page.get_by_test_id("my-safety-plan")
            text = plan.inner_text()
            for step in PLANS[name].values():
                assert step in text
            assert zh("1. My warning signs") in text and zh("6. Making my surroundings safe") in text
            assert "旧的一版" not in text
            assert PLANS[other]["warning_signs"] not in page.content()
            assert plan.get_by_test_id("plan-step").count() == 6
            assert "12356" in page.inner_text("body")  # the hotlines stay on the page
            assert_fits_phone(page)
        screenshot(pages["周晓雯"], "resident-safety-plan-phone")
    finally:
        second_context.close()
