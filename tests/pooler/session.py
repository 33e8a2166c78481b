"""The test session behind PgBouncer: with DATABASE_POOLER=pgbouncer-transaction (`make suite`'s second call), the
tests' connections go through a PgBouncer of their own in transaction mode, in front of DATABASE_URL's server.

The test database is created and dropped on PostgreSQL itself (PgBouncer keeps server connections open, and
DROP DATABASE refuses a database with connections); only then is the default connection pointed at the pooler,
so every test, thread and subprocess (tests/faults/conftest.db_url_for_subprocess) talks through it. The
fixtures and the hook are imported into tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connections

from tests.faults.pgbouncer import PrivatePgBouncer, pgbouncer_binary
from tests.faults.servers import MissingServer


def through_pgbouncer() -> bool:
    return settings.DATABASE_IS_POSTGRES and settings.DATABASE_POOLER == "pgbouncer-transaction"


def pytest_collection_modifyitems(config, items):
    if through_pgbouncer() and pgbouncer_binary() is None:
        skip = pytest.mark.skip(
            reason="DATABASE_POOLER=pgbouncer-transaction runs the tests through a PgBouncer of their own: "
            "install pgbouncer (apt-get install pgbouncer; CI does)"
        )
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pgbouncer() -> Iterator[PrivatePgBouncer | None]:
    """The session's PgBouncer (None when the tests talk to PostgreSQL directly)."""
    if not through_pgbouncer():
        yield None
        return
    database = settings.DATABASES["default"]
    try:
        bouncer = PrivatePgBouncer(
            server_host=database["HOST"] or "127.0.0.1", server_port=int(database["PORT"] or 5432)
        )
    except MissingServer as exc:
        pytest.fail(f"{exc} (CI installs it)")
    bouncer.start()
    yield bouncer
    bouncer.remove()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, pgbouncer):
    """pytest-django's test database, then (behind a pooler) the default connection pointed at the PgBouncer."""
    if pgbouncer is None:
        yield
        return
    settings_dict = connections["default"].settings_dict  # the same dict as settings.DATABASES["default"]
    direct = settings_dict["HOST"], settings_dict["PORT"]
    with django_db_blocker.unblock():
        connections.close_all()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(pgbouncer.port)
    yield
    with django_db_blocker.unblock():
        connections.close_all()
    pgbouncer.stop()  # its server connections end, so pytest-django can drop the test database
    settings_dict["HOST"], settings_dict["PORT"] = direct
