"""Fault tests start and stop real services: a private Redis and a private PostgreSQL cluster.

They never touch the shared Redis or PostgreSQL other processes use: each test owns a server on a free
loopback port under a temporary directory. They need PostgreSQL as the test database (row locks, a
server process to kill); on SQLite they are skipped by that condition alone.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from centers.notify import LocmemSMSBackend

REDIS_SERVER = shutil.which("redis-server")


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="fault tests need PostgreSQL as the test database: set DATABASE_URL=postgres://…")
    for item in items:
        if "faults" in str(item.fspath):
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class PrivateRedis:
    """A redis-server of this test's own, on a free port: stop() and start() are the fault."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, what="private redis to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed: the fault tests need it (CI installs it)")
    server = PrivateRedis(tmp_path)
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
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
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
