"""Fixtures for the cases tests: a crisis team on duty, volunteers, experts, helpers to open cases."""

from __future__ import annotations

import pytest

from cases.models import Channel
from cases.services import intake, workflow
from centers.models import Role
from centers.notify import LocmemSMSBackend
from tests.centers.community.factories import TrainingRecordFactory
from tests.factories import ResidentFactory, put_on_duty


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    LocmemSMSBackend.outbox.clear()
    yield
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def sms_outbox():
    return LocmemSMSBackend.outbox


@pytest.fixture
def center(center):
    center.escalation_contact_name = "街道应急值班室"
    center.escalation_contact_phone = "13900000110"
    center.escalation_contact_email = "duty@example.cn"
    center.save()
    return center


@pytest.fixture
def on_duty(make_staff, center):
    """A crisis-team counselor (center-wide) on duty from an hour ago for eight hours."""
    user = make_staff(Role.COUNSELOR, display_name="值班老师", email="duty-counselor@example.cn", phone="13700000001")
    put_on_duty(user, center)
    return user


@pytest.fixture
def supervisor(make_staff):
    return make_staff(Role.SUPERVISOR, display_name="周督导", email="supervisor@example.cn", phone="13700000002")


@pytest.fixture
def volunteer(make_staff, station, center):
    """A volunteer at the station whose training is current (only they may be given follow-ups)."""
    user = make_staff(Role.VOLUNTEER, station=station, display_name="志愿者小吴")
    TrainingRecordFactory(center=center, user=user)
    return user


@pytest.fixture
def expert(make_staff):
    return make_staff(Role.EXPERT, display_name="孙教授")


@pytest.fixture
def manager(make_staff, station):
    return make_staff(Role.STATION_MANAGER, station=station)


@pytest.fixture
def other_counselor(make_staff, other_station):
    return make_staff(Role.COUNSELOR, station=other_station, display_name="西站老师")


@pytest.fixture
def far_counselor(make_staff, other_center_station):
    return make_staff(Role.COUNSELOR, station=other_center_station, display_name="远方老师")


@pytest.fixture
def person(center, station):
    return ResidentFactory(center=center, station=station, full_name="陈小明", phone="13611112222")


@pytest.fixture
def open_case(person, counselor, center):
    """A general case at the counselor's station, assigned to them."""
    case, _ = intake.case_intake(
        resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor, summary="失眠两周"
    )
    workflow.case_assign(case=case, counselor=counselor, actor=counselor)
    case.refresh_from_db()
    return case


PHQ9_ZERO = {f"q{i}": 0 for i in range(1, 10)}


def phq9(total: int, item9: int | None = None) -> dict:
    """PHQ-9 answers adding up to `total`, with item 9 as given (0 unless the total needs it)."""
    if item9 is None:
        item9 = max(0, total - 24)
    answers = {f"q{i}": 0 for i in range(1, 10)}
    answers["q9"] = item9
    rest = total - item9
    for i in range(1, 9):
        take = min(3, rest)
        answers[f"q{i}"] = take
        rest -= take
    assert rest == 0
    return answers


def gad7(total: int) -> dict:
    answers = {}
    rest = total
    for i in range(1, 8):
        take = min(3, rest)
        answers[f"q{i}"] = take
        rest -= take
    assert rest == 0
    return answers


ASQ_NEGATIVE = {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": None}
ASQ_NON_ACUTE = {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0}
ASQ_ACUTE = {"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 1}
