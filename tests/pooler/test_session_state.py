"""Behind PgBouncer in transaction mode nothing of the portal's relies on a session: each transaction may run on
another server connection, and a server connection serves many clients one after another.

These run in `make suite`'s second call, where the session's connections go through a PgBouncer of its own
(tests/pooler/session.py) with fewer server connections than the threads here open. The chain lock of the
audit log is transaction-scoped; the booking and the other races of the suite's `postgres` tests run in the
same call through the same pooler.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg2
import pytest
from django.db import connection, transaction

from centers.audit.log import audit_record, audit_verify
from centers.audit.models import AuditEvent
from centers.models import Station
from tests.factories import StationFactory
from tests.pooler.session import through_pgbouncer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not through_pgbouncer(),
        reason="run through PgBouncer: DATABASE_POOLER=pgbouncer-transaction with PostgreSQL (make suite's second call)",
    ),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 8
ROWS_EACH = 5


def _one(sql: str, cursor=None) -> str:
    if cursor is not None:
        cursor.execute(sql)
        return cursor.fetchone()[0]
    with connection.cursor() as own:
        own.execute(sql)
        return own.fetchone()[0]


@pytest.fixture
def every_server_connection(pgbouncer) -> Iterator[list]:
    """One raw client per server connection of the pool, each inside a transaction, so that together they hold
    every server connection PgBouncer has for the test database; committed and closed afterwards."""
    url = pgbouncer.url(connection.settings_dict["NAME"])
    clients = [psycopg2.connect(url) for _ in range(pgbouncer.pool_size)]
    try:
        yield clients
    finally:
        for client in clients:
            client.close()


def test_the_tests_talk_to_postgresql_through_pgbouncer(pgbouncer):
    connection.ensure_connection()
    assert connection.connection.info.port == pgbouncer.port
    assert _one("SELECT inet_server_port()") == pgbouncer.server[1], "the server behind it answers"


def test_jit_and_parallel_workers_are_off_on_every_server_connection(every_server_connection):
    """The direct path sends them as the `options` startup parameter, which PgBouncer refuses: its connect_query
    sets them on each server connection instead."""
    assert "options" not in connection.settings_dict["OPTIONS"]
    seen = set()
    for client in every_server_connection:  # each in its own open transaction: all on different servers
        with client.cursor() as cursor:
            seen.add(_one("SELECT pg_backend_pid()", cursor))
            assert _one("SHOW jit", cursor) == "off"
            assert _one("SHOW max_parallel_workers_per_gather", cursor) == "0"
    assert len(seen) == len(every_server_connection)
    for client in every_server_connection:
        client.commit()
    assert _one("SHOW jit") == "off"  # and Django's own connection, on one of them


def test_querysets_read_in_chunks_without_server_side_cursors():
    """QuerySet.iterator() would DECLARE a cursor that a later FETCH, in another transaction, may not find on
    its server connection: behind the pooler Django reads the rows at once instead."""
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    StationFactory.create_batch(5)
    assert len(list(Station.objects.order_by("pk").iterator(chunk_size=2))) == Station.objects.count() >= 5
    with transaction.atomic():
        rows = Station.objects.order_by("pk").iterator(chunk_size=1)
        next(rows)
        assert _one("SELECT count(*) FROM pg_cursors") == 0, "no cursor declared on the server"


def test_the_time_zone_is_utc_on_a_server_connection_another_client_left_in_another_zone(every_server_connection):
    """Django sets TIME ZONE 'UTC' once, when it connects; PgBouncer tracks TimeZone for each client and sets it
    again on whichever server connection the client's next transaction gets."""
    shanghai = set()
    for client in every_server_connection:
        with client.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Asia/Shanghai'")  # session-level: stays on the server connection
            shanghai.add(_one("SELECT pg_backend_pid()", cursor))
    for client in every_server_connection:
        client.commit()
    connection.close()  # a new connection: Django's own SET TIME ZONE goes through the pooler
    with transaction.atomic():
        assert _one("SELECT pg_backend_pid()") in shanghai, "a server connection another client left in Shanghai"
        assert _one("SHOW TimeZone") == "UTC"
        assert _one("SELECT now()::text").endswith("+00")
    with every_server_connection[0].cursor() as cursor:
        assert _one("SHOW TimeZone", cursor) == "Asia/Shanghai", "and the other client keeps its own"


def test_the_audit_chain_stays_one_chain_with_concurrent_writers(pgbouncer):
    """The chain's lock is pg_advisory_xact_lock: held by the transaction, on whichever server connection it runs,
    and released with it; a session lock would stay behind on a server connection other clients then use."""
    assert pgbouncer.pool_size < WRITERS, "more writers than server connections: they share them"
    barrier = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for row in range(ROWS_EACH):
                audit_record(actor=None, action="test.pooled", object_type="test", object_id=f"{n}-{row}")
        except BaseException as exc:  # asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert AuditEvent.objects.filter(action="test.pooled").count() == WRITERS * ROWS_EACH
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes)), "no two rows chained to the same one"
    assert audit_verify() == []
    held = "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
    held += " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
    assert _one(held) == 0, "no lock outlived its transaction"
