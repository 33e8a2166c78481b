"""Fixtures for booking tests: a counselor with slots at the station, a guardian with a child."""

from __future__ import annotations

import pytest
from django.db import connection

from appointments.models import Place, Service
from centers.notify import LocmemSMSBackend
from tests.appointments.factories import SlotFactory, at
from tests.factories import ResidentFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's row locks and exclusion constraints; CI runs them there.
    On SQLite (the default for a quick local run) they are reported as skipped with the reason."""
    from django.conf import settings

    if settings.DATABASE_IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    settings.APPOINTMENT_REMINDER_CHANNELS = ["email", "sms"]
    settings.PORTAL_BASE_URL = "https://portal.example.cn"
    LocmemSMSBackend.outbox = []
    yield
    LocmemSMSBackend.outbox = []


@pytest.fixture(autouse=True)
def _english(english):
    """Assert on the English msgids: they do not change when the Chinese catalogue is filled."""


@pytest.fixture(autouse=True)
def _eager_celery():
    from fucheng.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


@pytest.fixture
def sms_outbox():
    return LocmemSMSBackend.outbox


@pytest.fixture
def make_slot(center, station, counselor):
    def make(days: int = 2, hour: int = 10, minute: int = 0, **kwargs):
        kwargs.setdefault("center", center)
        kwargs.setdefault("station", station)
        kwargs.setdefault("counselor", counselor)
        kwargs.setdefault("place", Place.STATION)
        kwargs.setdefault("service", Service.FACE_TO_FACE)
        return SlotFactory(starts_at=at(days, hour, minute), **kwargs)

    return make


@pytest.fixture
def slot(make_slot):
    return make_slot()


@pytest.fixture
def child(resident):
    import datetime as dt

    return ResidentFactory(
        center=resident.center,
        station=resident.station,
        guardian=resident,
        full_name="林小树",
        phone="",
        birth_date=dt.date(2016, 6, 1),
    )


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
