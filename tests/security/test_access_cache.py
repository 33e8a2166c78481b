"""Roles and the second-factor state kept between requests in the shared cache (centers.access_cache).

What staff would notice: a role withdrawn or an authenticator removed takes effect on the very next
page, even though the portal no longer reads them from the database on every request; and the portal
keeps working when the cache cannot be reached.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centers import access_cache
from centers.models import Membership, Role
from centers.services import membership_grant, membership_revoke

pytestmark = pytest.mark.django_db

WORKSPACE = reverse("cases:workspace")


@pytest.fixture
def shared_cache(settings):
    """As in production with CACHE_URL set (the tests' locmem cache stands in for Redis)."""
    settings.FUCHENG_ACCESS_CACHE_SECONDS = 60


def _role_queries(captured) -> list[str]:
    """The reads of the person's roles, administrator duty and authenticator (a page's own queries may join
    memberships, as the on-duty rule does, without being one)."""
    return [
        q["sql"]
        for q in captured
        if any(table in q["sql"] for table in ("centers_membership", "centers_administrator", "mfa_authenticator"))
        and "centers_dutyshift" not in q["sql"]
    ]


def test_roles_and_second_factor_are_read_once_then_from_the_cache(shared_cache, client_for, counselor):
    from django.core.cache import cache

    client = client_for(counselor)
    cache.clear()  # signing in already filled the entry
    with CaptureQueriesContext(connection) as first:
        assert client.get(WORKSPACE).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(WORKSPACE).status_code == 200
    assert len(_role_queries(first)) == 3, "the first page reads the roles, the duty and the authenticator"
    assert _role_queries(second) == [], "the next page reads none of them"
    assert len(second) == len(first) - 3


def test_without_a_shared_cache_every_request_reads_the_database(client_for, counselor):
    client = client_for(counselor)
    client.get(WORKSPACE)
    with CaptureQueriesContext(connection) as again:
        assert client.get(WORKSPACE).status_code == 200
    assert len(_role_queries(again)) == 3


def test_a_withdrawn_role_takes_effect_on_the_next_page(
    shared_cache, client_for, counselor, supervisor, django_capture_on_commit_callbacks
):
    client = client_for(counselor)
    assert client.get(WORKSPACE).status_code == 200  # the roles are now in the cache
    with django_capture_on_commit_callbacks(execute=True):
        membership_revoke(actor=supervisor, membership=Membership.objects.get(user=counselor))
    assert client.get(WORKSPACE).status_code in (403, 404)


def test_a_granted_role_takes_effect_on_the_next_page(
    shared_cache, client_for, make_staff, supervisor, center, station, django_capture_on_commit_callbacks
):
    expert = make_staff(Role.EXPERT)
    client = client_for(expert)
    assert client.get(WORKSPACE).status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        membership_grant(actor=supervisor, user=expert, center=center, station=station, role=Role.COUNSELOR)
    assert client.get(WORKSPACE).status_code == 200


def test_a_removed_authenticator_takes_effect_on_the_next_page(
    shared_cache, client_for, counselor, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator

    client = client_for(counselor)
    assert client.get(WORKSPACE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Authenticator.objects.filter(user=counselor).delete()
    response = client.get(WORKSPACE)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_an_entry_loaded_before_a_change_is_never_used_after_it(
    shared_cache, client_for, counselor, supervisor, django_capture_on_commit_callbacks
):
    """A slow request read the roles, the role was withdrawn and committed, then the slow request
    stored what it had read: the entry carries the old version and is ignored."""
    client = client_for(counselor)
    client.get(WORKSPACE)
    stale = access_cache._read(counselor.pk)
    assert stale["values"]["memberships"], "the entry holds the counselor role"
    with django_capture_on_commit_callbacks(execute=True):
        membership_revoke(actor=supervisor, membership=Membership.objects.get(user=counselor))
    access_cache._write(counselor.pk, stale)  # the slow request finishes last
    assert client.get(WORKSPACE).status_code in (403, 404)


def test_an_unreachable_cache_falls_back_to_the_database(shared_cache, client_for, counselor, caplog):
    """Nothing listens on port 1: every cache call fails at once, and the pages still work."""
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = client_for(counselor)
    with override_settings(CACHES=unreachable):
        assert client.get(WORKSPACE).status_code == 200
        assert "access cache: unreachable" in caplog.text
        with CaptureQueriesContext(connection) as again:
            assert client.get(WORKSPACE).status_code == 200
    assert len(_role_queries(again)) == 3


def test_a_role_withdrawn_with_a_queryset_update_takes_effect_on_the_next_page(
    shared_cache, client_for, counselor, django_capture_on_commit_callbacks
):
    """update() sends no signal; Membership's queryset ends the entry itself."""
    client = client_for(counselor)
    assert client.get(WORKSPACE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user=counselor).update(is_active=False)
    assert client.get(WORKSPACE).status_code in (403, 404)


def test_the_receivers_stay_connected():
    """Connected with a weak reference, a receiver defined inside a function could be collected."""
    import gc

    from allauth.mfa.models import Authenticator
    from django.db.models.signals import post_delete, post_save

    gc.collect()
    for signal in (post_save, post_delete):
        assert signal.has_listeners(Membership) and signal.has_listeners(Authenticator)
