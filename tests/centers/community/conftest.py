"""Fixtures for the community side: volunteers with current and lapsed training, a workshop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from centers.community.registrations import services as registration_services
from centers.models import Role
from centers.notify import LocmemSMSBackend
from tests.centers.community.factories import TrainingRecordFactory, WorkshopFactory


@pytest.fixture(autouse=True)
def _english(english):
    """Assert on the English msgids: they do not change when the Chinese catalogue is filled."""


@pytest.fixture(autouse=True)
def queued_notices(monkeypatch):
    """Tasks queued after commit are recorded here instead of going to a broker; tests run the sweep themselves."""
    queued: list[int] = []

    def enqueue_after_commit(task_name: str, registration_id: int) -> None:
        transaction.on_commit(lambda: queued.append(registration_id))

    monkeypatch.setattr(registration_services, "enqueue_after_commit", enqueue_after_commit)
    return queued


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def manager(make_staff, station):
    return make_staff(Role.STATION_MANAGER, station=station, display_name="赵站长")


@pytest.fixture
def volunteer(make_staff, station, center):
    """A volunteer at the station whose training is current."""
    user = make_staff(Role.VOLUNTEER, station=station, display_name="吴芳")
    TrainingRecordFactory(center=center, user=user)
    return user


@pytest.fixture
def lapsed_volunteer(make_staff, station, center):
    """A volunteer at the station whose certificate ran out last week."""
    user = make_staff(Role.VOLUNTEER, station=station, display_name="郑伟")
    today = timezone.localdate()
    TrainingRecordFactory(
        center=center,
        user=user,
        completed_on=today - dt.timedelta(days=372),
        certificate_expires_on=today - dt.timedelta(days=7),
    )
    return user


@pytest.fixture
def workshop(center, station):
    return WorkshopFactory(center=center, station=station, title="亲子沟通工作坊", capacity=2)
