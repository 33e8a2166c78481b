"""A resident registers for a workshop from a phone (375px wide), without sideways scrolling."""

import datetime as dt

import pytest
from django.utils import timezone

from centers.community.models import RegistrationStatus, Workshop, WorkshopKind, WorkshopRegistration
from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import screenshot, sign_in, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_registers_for_a_workshop_from_a_phone(phone_page, resident_user, center, station, password):
    start = timezone.now() + dt.timedelta(days=4)
    workshop = Workshop.objects.create(
        center=center,
        station=station,
        kind=WorkshopKind.PARENT_CHILD,
        title="亲子沟通工作坊：读懂孩子的情绪，学会好好说话",
        description="家长和 6–12 岁孩子一起参加，通过游戏练习表达和倾听。" * 3,
        place="东社区活动室",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=12,
    )
    sign_in(phone_page, resident_user.email, password)
    phone_page.goto("/community/workshops/")
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "workshops-phone")
    phone_page.get_by_role("link", name=workshop.title).click()
    assert no_sideways_scroll(phone_page)
    phone_page.get_by_test_id("register").click()
    phone_page.wait_for_url("**/community/my-workshops/")
    assert no_sideways_scroll(phone_page)
    assert "您的名额已确认" in phone_page.content() or "Your place is confirmed" in phone_page.content()
    screenshot(phone_page, "my-workshops-phone")
    registration = WorkshopRegistration.objects.get(workshop=workshop)
    assert registration.status == RegistrationStatus.CONFIRMED


def test_a_station_manager_takes_attendance_and_a_lapsed_volunteer_is_refused(
    page, make_staff, center, station, password
):
    from centers.community.models import TrainingRecord
    from centers.models import Membership, Role
    from tests.factories import ResidentFactory

    manager = make_staff(Role.STATION_MANAGER, station=station, display_name="赵站长")
    volunteer = make_staff(Role.VOLUNTEER, station=station, display_name="郑伟")
    today = timezone.localdate()
    TrainingRecord.objects.create(
        center=center,
        user=volunteer,
        course="心理志愿者基础培训",
        hours=8,
        completed_on=today - dt.timedelta(days=400),
        certificate_expires_on=today - dt.timedelta(days=35),
    )
    start = timezone.now() - dt.timedelta(hours=1)
    workshop = Workshop.objects.create(
        center=center,
        station=station,
        kind=WorkshopKind.LECTURE,
        title="睡眠与情绪讲座",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=10,
    )
    came = ResidentFactory(center=center, station=station, full_name="何秀英")
    WorkshopRegistration.objects.create(
        workshop=workshop, resident=came, status=RegistrationStatus.CONFIRMED, confirmed_at=start
    )
    sign_in_staff(page, manager.email, password)
    page.goto(f"/community/staff/workshops/{workshop.pk}/attendance/")
    page.get_by_label("何秀英").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/community/staff/workshops/{workshop.pk}/")
    screenshot(page, "staff-workshop-attendance")
    came_row = WorkshopRegistration.objects.get(resident=came)
    assert came_row.attendance == "attended"

    membership = Membership.objects.get(user=volunteer)
    page.goto(f"/community/staff/volunteers/{membership.pk}/")
    assert page.get_by_test_id("clearance").is_visible()
    page.get_by_text("Give a task", exact=True).or_(page.get_by_text("分派任务", exact=True)).first.click()
    task_form = page.locator("form[action$='/tasks/']")
    task_form.locator("input[name=title]").fill("陪同家访")
    task_form.locator("input[name=due_at]").fill(
        (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    )
    task_form.locator("input[name=hours]").fill("2")
    task_form.locator("button[type=submit]").click()
    assert "郑伟" in page.content()
    assert page.locator(".invalid-feedback, .alert-block, .alert-danger").first.is_visible()
    screenshot(page, "staff-volunteer-lapsed")
