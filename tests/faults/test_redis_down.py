"""Redis stopped while a resident submits an acute self-check: the page works, the alert row is kept, and
once Redis is back the sweep, published through Redis and run by a real Celery worker, delivers it once.
The portal's cache is on the same Redis, as in production: during the outage the cache falls back to the
database (sign-in, second factor and staff pages work) and uses Redis again once it is back.

The Redis here is a private redis-server on its own port (the shared one other processes use is never
stopped): the portal is pointed at it while it is down, then it is started on the same port.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from cases.alerts.models import CrisisAlert, Notification
from centers.infra.cache import RETRY_AFTER_SECONDS
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.cases.conftest import ASQ_ACUTE
from tests.factories import totp_code
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cache_on_private_redis(private_redis):
    """CACHE_URL points at the private Redis too (another database number than the broker's)."""
    url = f"redis://127.0.0.1:{private_redis.port}/1"
    backend = {
        "BACKEND": "centers.infra.cache.RedisWithDatabaseFallback",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "FALLBACK": "fallback"},
    }
    fallback = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fucheng_cache"}
    with override_settings(CACHES={"default": backend, "fallback": fallback}, FUCHENG_ACCESS_CACHE_SECONDS=60):
        call_command("createcachetable", verbosity=0)
        yield url


def _join_enqueue_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("enqueue-cases."):
            thread.join(timeout=30)


def test_redis_down_during_an_acute_screening_then_back(
    client_for,
    resident_user,
    resident,
    center,
    on_duty,
    private_redis,
    broker_at,
    cache_on_private_redis,
    password,
    caplog,  # noqa: F811
):
    from celery.contrib.testing.worker import start_worker

    from fucheng.celery import app

    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident_user)
    broker_at(private_redis.url)
    assert not private_redis.answers(), "Redis is down"

    answers = {k: v for k, v in ASQ_ACUTE.items() if v is not None}
    started = time.monotonic()
    response = client_for(resident_user).post(reverse("cases:self_check_take", args=[resident.pk, "asq"]), answers)
    assert time.monotonic() - started < 5, "the person does not wait for the broker's retries"
    assert response.status_code == 302 and "/self-check/help/" in response["Location"]
    help_page = client_for(resident_user).get(response["Location"])
    assert help_page.status_code == 200 and "12356" in help_page.content.decode()
    _join_enqueue_threads()
    assert "could not queue cases.alert_dispatch" in caplog.text

    alert = CrisisAlert.objects.get(case__resident=resident)
    unsent = Notification.objects.filter(alert=alert, sent_at__isnull=True)
    assert {n.channel for n in unsent} == {"email", "sms"}, "the alert's messages are rows, waiting"
    assert mail.outbox == [] and Notification.objects.filter(alert=alert, channel="workspace").exists()
    assert "cache: Redis unreachable" in caplog.text, "the cache fell back to the database"
    # A counselor signs in through the form, second factor included, while Redis is down.
    client = Client()
    signed = client.post(reverse("account_login"), {"login": on_duty.email, "password": password})
    assert signed["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()})["Location"] == reverse("cases:workspace")
    workspace = client.get(reverse("cases:workspace"))
    assert workspace.status_code == 200 and alert.case.reference in workspace.content.decode()

    # Redis comes back on the same port: beat publishes the minute sweep, a real worker runs it.
    private_redis.start()
    broker_at(private_redis.url)  # a fresh pool, as a restarted process would have
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        first = app.send_task("cases.sweep")
        wait_for(lambda: not unsent.all().exists(), timeout=60, what="the sweep to send the alert")
        second = app.send_task("cases.sweep")  # the next minute's sweep
        wait_for(lambda: _consumed(private_redis), timeout=60, what="the second sweep to run")
    from centers.notify import LocmemSMSBackend

    assert first.id != second.id
    assert [m["phone"] for m in LocmemSMSBackend.outbox] == ["13700000001"], "one SMS, exactly once"
    assert [m.to for m in mail.outbox] == [["duty@example.cn"]], "one email, exactly once"
    assert Notification.objects.filter(alert=alert, sent_at__isnull=True).count() == 0

    import redis as redis_client

    time.sleep(RETRY_AFTER_SECONDS)  # the cache tries Redis again once its retry interval has passed
    assert client_for(on_duty).get(reverse("cases:workspace")).status_code == 200
    assert redis_client.Redis.from_url(cache_on_private_redis).keys("*fucheng:access:*"), "the cache is used again"


def _consumed(redis) -> bool:
    """The queues in Redis are empty and nothing is unacknowledged: every published task ran."""
    import redis as redis_client

    conn = redis_client.Redis.from_url(redis.url)
    return all(conn.llen(queue) == 0 for queue in ("crisis", "default", "bulk")) and conn.hlen("unacked") == 0
