"""Queues by urgency (issue 27, item 1): a bulk queue flooded with long tasks does not delay a crisis alert.

Two real Celery workers on a private Redis, as `make demo` and the README's production section run them: one
takes `crisis`, the other `default,bulk`. Twenty tasks of three seconds each fill the bulk queue (a minute of
work for its worker); then a resident asks for help now. The alert's messages are sent by the crisis worker
while the bulk queue is still full, well within the minute of the sweep interval, and no beat runs here: the
dispatch came from the queued task, not from a sweep catching up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis as redis_client

from cases.models import Channel
from cases.services import intake
from centers.messaging.models import MessageStatus, OutboundMessage
from centers.sweeps.models import SweepRun
from fucheng.celery import app
from tests.faults.conftest import db_url_for_subprocess, subprocess_env, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
FLOOD = 20
SWEEP_INTERVAL_SECONDS = 60


def _worker(queues: str, name: str, broker: str, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "fucheng", "worker", "--queues", queues]
    command += ["--hostname", f"{name}@%h", "--concurrency", "1", "--loglevel", "INFO"]
    command += ["--include", "tests.faults.slow_tasks", "--without-gossip", "--without-mingle"]
    env = subprocess_env(
        CELERY_BROKER_URL=broker,
        DATABASE_URL=db_url_for_subprocess(),
        DJANGO_SETTINGS_MODULE="fucheng.settings",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603


def _ready(log: Path) -> bool:
    return log.exists() and " ready." in log.read_text(errors="replace")


def test_a_flooded_bulk_queue_does_not_delay_a_crisis_alert(
    tmp_path, private_redis, broker_at, on_duty, resident, center
):
    private_redis.start()
    broker_at(private_redis.url)
    logs = {name: tmp_path / f"{name}.log" for name in ("crisis", "bulk")}
    workers = [
        _worker("crisis", "crisis", private_redis.url, logs["crisis"]),
        _worker("default,bulk", "bulk", private_redis.url, logs["bulk"]),
    ]
    try:
        for name, log in logs.items():
            wait_for(lambda log=log: _ready(log), timeout=90, what=f"the {name} worker to start")
        for _ in range(FLOOD):
            app.send_task("tests.faults.slow", args=[3], queue="bulk")
        queue = redis_client.Redis.from_url(private_redis.url)
        wait_for(lambda: "tests.faults.slow[" in logs["bulk"].read_text(errors="replace"), what="the flood to start")

        cried_at = time.monotonic()
        case, _created = intake.case_intake(
            resident=resident, center=center, channel=Channel.HELP_NOW, source="", actor=resident.user
        )
        sent = OutboundMessage.objects.filter(user=on_duty, status=MessageStatus.SENT)
        wait_for(sent.exists, timeout=SWEEP_INTERVAL_SECONDS, what="the on-duty counselor's alert to be sent")
        waited = time.monotonic() - cried_at
        still_queued = queue.llen("bulk")

        assert still_queued >= FLOOD // 2, f"the bulk queue had drained ({still_queued} left): no flood to prove"
        assert waited < SWEEP_INTERVAL_SECONDS
        assert "cases.alert_dispatch[" in logs["crisis"].read_text(errors="replace"), "sent by the crisis worker"
        assert "cases.alert_dispatch[" not in logs["bulk"].read_text(errors="replace")
        assert case.alerts.exists()
        assert not SweepRun.objects.filter(name__in=["cases.sweep", "centers.messaging.dispatch"]).exists(), (
            "no sweep ran: the alert's own queued task sent it"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
