"""The shared cache's Redis cannot be reached: people still sign in, and the sign-in limits still count.

The cache points at a Redis address where nothing listens (a real connection attempt that is refused),
as in production when Redis is down; the database cache takes over (centers/infra/cache.py).
"""

from __future__ import annotations

import socket

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from centers.audit.models import AuditEvent
from tests.factories import totp_code

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on close: nothing listens there


@pytest.fixture
def redis_down(settings):
    caches_setting = {
        "default": {
            "BACKEND": "centers.infra.cache.RedisWithDatabaseFallback",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "FALLBACK": "fallback"},
            "KEY_PREFIX": "outage-test",
        },
        "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fucheng_cache"},
    }
    with override_settings(CACHES=caches_setting, FUCHENG_ACCESS_CACHE_SECONDS=60):
        call_command("createcachetable", verbosity=0)
        caches["default"]._down_until = 0.0
        yield caches["default"]


def test_a_resident_and_a_counselor_sign_in_while_redis_is_down(redis_down, resident_user, counselor, password):
    resident = Client()
    response = resident.post(reverse("account_login"), {"login": resident_user.email, "password": password})
    assert response.status_code == 302
    assert resident.get(reverse("centers:resident_home")).status_code == 200

    staff = Client()
    response = staff.post(reverse("account_login"), {"login": counselor.email, "password": password})
    assert response["Location"] == reverse("mfa_authenticate")
    response = staff.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == reverse("cases:workspace")
    assert staff.get(reverse("cases:workspace")).status_code == 200


def test_the_lockout_still_counts_in_the_database_while_redis_is_down(redis_down, counselor, supervisor, password):
    attacker = Client()
    for _ in range(5):
        wrong = attacker.post(reverse("account_login"), {"login": counselor.email, "password": "not-the-password"})
        assert wrong.status_code == 200
    # The sixth try, even with the right password, is refused: the counter lived in the database cache.
    locked = attacker.post(reverse("account_login"), {"login": counselor.email, "password": password})
    assert locked.status_code == 200 and "mfa" not in locked.get("Location", "")
    assert AuditEvent.objects.filter(action="login.locked").exists()
    assert AuditEvent.objects.filter(action="login.failed", outcome="denied").count() >= 5
    # Another person's sign-in is not affected.
    other = Client().post(reverse("account_login"), {"login": supervisor.email, "password": password})
    assert other["Location"] == reverse("mfa_authenticate")


def test_redis_back_is_used_again_after_the_retry_interval(redis_down, monkeypatch):
    from centers.infra import cache as cache_module

    redis_down.set("probe", "fallback-value", timeout=60)
    assert redis_down.get("probe") == "fallback-value", "read back from the database cache"
    # After the interval the backend tries Redis again (it is still down, so it falls back once more).
    monkeypatch.setattr(cache_module, "RETRY_AFTER_SECONDS", 0.0)
    redis_down._down_until = 0.0
    calls = []
    original = cache_module.RedisCache.get

    def counting_get(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cache_module.RedisCache, "get", counting_get)
    assert redis_down.get("probe") == "fallback-value"
    assert calls, "Redis was tried again"
