"""The portal's PostgreSQL backend (fucheng/postgresql): no health-check ping on a connection used a moment ago,
a ping (and a new connection when the old one is dead) after that; no JIT; ids passed as one array literal
(issue 26 item 4). On the embedded SQLite default there is no such backend: these need PostgreSQL (CI has it)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from centers.infra.lookups import ids_any
from centers.models import Station
from tests.factories import StationFactory

needs_postgres = pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"
)


@pytest.fixture
def pings(monkeypatch):
    seen: list[bool] = []
    real = type(connections["default"]).is_usable

    def counted(self):
        usable = real(self)
        seen.append(usable)
        return usable

    monkeypatch.setattr(type(connections["default"]), "is_usable", counted)
    return seen


def _request_starts(conn) -> None:
    """What Django does at the start of a request with a persistent connection, then the first query."""
    conn.health_check_enabled = True
    conn.close_if_unusable_or_obsolete()
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_used_a_moment_ago_is_not_pinged_an_older_one_is(pings):
    conn = connections["default"]
    assert type(conn).__module__ == "fucheng.postgresql.base"
    _request_starts(conn)
    pings.clear()
    _request_starts(conn)
    assert pings == [], "used a moment ago: no SELECT 1 before the request's first query"
    conn.last_used = time.monotonic() - conn.ping_after - 1
    _request_starts(conn)
    assert pings == [True], "idle longer than DJANGO_DB_PING_AFTER: pinged as Django does"


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_after_the_idle_time(pings):
    conn = connections["default"]
    _request_starts(conn)
    old_pid = conn.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # as a server restart or a failover would
            cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    finally:
        other.close()
    conn.last_used = time.monotonic() - conn.ping_after - 1
    _request_starts(conn)
    assert pings == [False], "the ping found the dropped connection"
    assert conn.connection.info.backend_pid != old_pid, "and the request ran on a new one"


@needs_postgres
@pytest.mark.django_db
def test_statements_are_never_jit_compiled():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.django_db
def test_ids_read_earlier_filter_as_one_array_and_an_empty_list_still_asks():
    stations = [StationFactory() for _ in range(3)]
    wanted = [stations[0].pk, stations[2].pk]
    with CaptureQueriesContext(connection) as ctx:
        found = set(Station.objects.filter(ids_any("pk", wanted)).values_list("pk", flat=True))
        none = list(Station.objects.filter(ids_any("pk", [])))
    assert found == set(wanted) and none == []
    assert len(ctx.captured_queries) == 2, "an empty list runs its query: a page's query count stays the same"
    if connection.vendor == "postgresql":
        assert "= ANY(" in ctx.captured_queries[0]["sql"] and "::bigint[]" in ctx.captured_queries[0]["sql"]
