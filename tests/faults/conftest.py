"""Fault tests start and stop real services: a private Redis and a private PostgreSQL cluster.

They never touch the shared Redis or PostgreSQL other processes use: each test owns a server on a free
loopback port under a temporary directory. They need PostgreSQL as the test database (row locks, a
server process to kill); on SQLite they are skipped by that condition alone.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from centers.notify import LocmemSMSBackend
from tests.faults.servers import MissingServer, PrivateRedis, free_port, wait_for

__all__ = ["free_port", "wait_for", "db_url_for_subprocess", "subprocess_env"]


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="fault tests need PostgreSQL as the test database: set DATABASE_URL=postgres://…")
    for item in items:
        if "faults" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def private_redis(tmp_path):
    try:
        server = PrivateRedis(tmp_path)
    except MissingServer as exc:
        pytest.fail(f"{exc} (CI installs it)")
    yield server
    server.stop()


@pytest.fixture
def broker_at(monkeypatch):
    """Point this process's Celery app at another broker, dropping every pooled connection."""
    from fucheng.celery import app

    old = app.conf.broker_url, app._pool, app.amqp._producer_pool

    def point(url: str) -> None:
        # Drop (not close) pooled connections: a producer still held elsewhere keeps working on its own.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    yield point
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url, app._pool, app.amqp._producer_pool = old


@pytest.fixture
def on_duty(make_staff, center):
    """A crisis-team counselor on duty now, reachable by email and SMS."""
    import datetime as dt

    from django.utils import timezone

    from centers.models import DutyShift, Role, ShiftKind

    user = make_staff(Role.COUNSELOR, email="duty@example.cn", phone="13700000001")
    now = timezone.now()
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=user,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        is_crisis_team=True,
    )
    return user


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    LocmemSMSBackend.outbox.clear()
    yield
    LocmemSMSBackend.outbox.clear()


def db_url_for_subprocess() -> str:
    """The URL of the test database this process uses (for subprocesses that must see the same rows)."""
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return (
        f"postgres://{params['USER']}{password}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/"
        f"{params['NAME']}"
    )


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
