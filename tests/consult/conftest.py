"""Fixtures for the online conversations: a night-shift counselor on duty, a resident who consented."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from centers.models import Role
from centers.notify import LocmemSMSBackend
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.factories import ResidentFactory, UserFactory, put_on_duty


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    LocmemSMSBackend.outbox.clear()
    yield
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def center(center):
    center.escalation_contact_phone = "13900000110"
    center.escalation_contact_email = "duty@example.cn"
    center.save()
    return center


@pytest.fixture
def night(make_staff, center):
    """A center-wide counselor on the online duty from an hour ago for eight hours."""
    user = make_staff(Role.COUNSELOR, display_name="夜班王老师", email="night@example.cn", phone="13700000009")
    put_on_duty(user, center, start=timezone.now() - dt.timedelta(hours=1))
    return user


@pytest.fixture
def supervisor(make_staff):
    return make_staff(Role.SUPERVISOR, display_name="周督导", email="supervisor@example.cn", phone="13700000002")


@pytest.fixture
def writer(resident):
    """The resident, with the separate consent for online counseling given."""
    consent_give(resident=resident, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=resident.user)
    return resident


@pytest.fixture
def stranger(center, station):
    """Another resident of the same center, with consent (must never see the writer's conversation)."""
    person = ResidentFactory(center=center, station=station, user=UserFactory(), full_name="路人甲")
    consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=person.user)
    return person


@pytest.fixture
def far_counselor(make_staff, other_center_station):
    user = make_staff(Role.COUNSELOR, station=other_center_station, display_name="远方老师")
    put_on_duty(user, other_center_station.center, start=timezone.now() - dt.timedelta(hours=1))
    return user


@pytest.fixture
def sms_outbox():
    return LocmemSMSBackend.outbox
