"""Shared fixtures: an organisation with two stations and a second center, and people in every role."""

from __future__ import annotations

import importlib
import os
import time

import pytest

from centers.middleware import LAST_SEEN_KEY
from centers.models import Role
from tests.browser_support import browser, page, phone_page  # noqa: F401  (one Playwright for the suite)
from tests.factories import (
    TEST_PASSWORD,
    CenterFactory,
    MembershipFactory,
    ResidentFactory,
    StationFactory,
    UserFactory,
    give_totp,
)
from tests.pooler.session import django_db_setup, pgbouncer, pytest_collection_modifyitems  # noqa: F401  (DATABASE_POOLER)

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# the test itself (fixtures, assertions) are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _messages_only_through_the_outbox(settings):
    """Every email in every test must come through the outbox (issue 21); the in-memory SMS backend checks the same."""
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (sign-in lockout) and used one-time codes live in the cache: none carry over."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(settings):
    """English pages and messages, for tests that assert on the English msgids (the default is Chinese)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def center(db):
    return CenterFactory(code="test-center", name="测试街道心理健康服务中心")


@pytest.fixture
def station(center):
    return StationFactory(center=center, code="east", name="东社区心理服务站")


@pytest.fixture
def other_station(center):
    return StationFactory(center=center, code="west", name="西社区心理服务站")


@pytest.fixture
def other_center(db):
    return CenterFactory(code="other-center", name="另一街道心理健康服务中心")


@pytest.fixture
def other_center_station(other_center):
    return StationFactory(center=other_center, code="far", name="远社区心理服务站")


@pytest.fixture
def make_staff(center):
    """make_staff(role, station=None, center_=None, totp=True) -> a user with that membership.

    Staff reach personal data only with a second factor, so by default the account has an
    authenticator app (secret tests.factories.TEST_TOTP_SECRET); totp=False makes one without.
    """

    def make(role: str, station=None, center_=None, totp: bool = True, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(
            user=user, center=center_ or (station.center if station else center), station=station, role=role
        )
        if totp:
            give_totp(user)
        return user

    return make


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser (behind `admin_client`), with an authenticator app like all staff."""
    return give_totp(admin_user)


@pytest.fixture
def counselor(make_staff, station):
    return make_staff(Role.COUNSELOR, station=station, display_name="王老师")


@pytest.fixture
def supervisor(make_staff):
    return make_staff(Role.SUPERVISOR)


@pytest.fixture
def official(make_staff):
    return make_staff(Role.OFFICIAL)


@pytest.fixture
def auditor(make_staff):
    return make_staff(Role.AUDITOR)


@pytest.fixture
def resident(center, station):
    user = UserFactory()
    return ResidentFactory(center=center, station=station, user=user, full_name="林小雨", phone="13812341234")


@pytest.fixture
def resident_user(resident):
    return resident.user


@pytest.fixture
def client_for(client):
    """client_for(user) -> the test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        # As after the first page of a real sign-in: the staff idle mark is set, so the next pages
        # (and their query counts) do not each write the session.
        session = client.session
        session[LAST_SEEN_KEY] = int(time.time())
        session.save()
        return client

    return sign_in


_AUDIT_GUARDS = [
    importlib.import_module("centers.migrations.0002_audit_append_only"),
    importlib.import_module("centers.migrations.0071_audit_keyed_chain"),
]
# PostgreSQL refuses TRUNCATE of the audit tables (statement triggers); Django's flush after a
# transactional test is a TRUNCATE, so the tests switch those two triggers off for it, and on again.
_PG_TRUNCATE_GUARDS = [
    ("centers_auditevent", "centers_auditevent_no_truncate"),
    ("centers_auditanchor", "centers_auditanchor_no_truncate"),
]


def _is_transactional(request) -> bool:
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.fixture(autouse=True)
def _audit_anchor_dir(settings, tmp_path_factory):
    """Audit anchors are written to a folder of each test's own, never to the checkout's var/."""
    settings.FUCHENG_AUDIT_ANCHOR_DIR = str(tmp_path_factory.mktemp("audit-anchors"))


@pytest.fixture(autouse=True)
def _sqlite_audit_guard(request):
    """Keep the audit tables' append-only triggers in place, and out of the way of flush.

    Transactional tests end with Django's flush, which on SQLite is a DELETE that the row
    triggers rightly refuse, and on PostgreSQL a TRUNCATE that the statement triggers refuse.
    """
    from django.db import connection

    uses_db = "db" in request.fixturenames or request.node.get_closest_marker("django_db") or _is_transactional(request)
    if not uses_db:
        yield
        return
    transactional = _is_transactional(request)
    if transactional:
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table, trigger in _PG_TRUNCATE_GUARDS:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        yield
        if transactional:
            with connection.cursor() as cursor:
                for table, trigger in _PG_TRUNCATE_GUARDS:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        return
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        for guard in _AUDIT_GUARDS:
            for statement in guard.SQLITE_FORWARD:
                cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
    yield
    if transactional:
        with connection.cursor() as cursor:
            for guard in _AUDIT_GUARDS:
                for statement in guard.SQLITE_REVERSE:
                    cursor.execute(statement)
