"""The reporting pages against a real streaming replica, run on their own: `pytest -m replica`.

For this session the test database lives on a private PostgreSQL primary (tests/faults/servers.py):
Django creates and migrates it there, then a hot standby is copied from that primary with its WAL stream
(tests/faults/standby.py) and the `replica` alias points at the standby's copy of the test database. The
shared PostgreSQL is used only to learn that the run is on PostgreSQL. Tests use committed rows
(transactional) and wait for the standby to replay them before reading.

They are skipped, with the reason, on SQLite, without the PostgreSQL server binaries, and when other tests
share the session (this one moves the default database).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import setup_databases

from centers.infra.replica import REPLICA, replica_lag_forget
from tests.db_alias import database_alias, settings_like_default
from tests.faults.servers import MissingServer, PrivateCluster, pg_bin
from tests.faults.standby import PrivateStandby

HERE = Path(__file__).parent


def _here(item: pytest.Item) -> bool:
    return HERE in Path(str(item.fspath)).parents


def _skip_reason(items: list[pytest.Item]) -> str | None:
    if connection.vendor != "postgresql":
        return "replica tests need PostgreSQL as the test database: set DATABASE_URL=postgres://…"
    try:
        pg_bin("initdb")
        pg_bin("pg_basebackup")
    except MissingServer as exc:
        return str(exc)
    if not all(_here(item) for item in items):
        return "replica tests run alone (pytest -m replica): they move the test database to a private cluster"
    return None


@pytest.hookimpl(trylast=True)  # after -m has deselected: what is left is what runs
def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if _here(item)]
    reason = _skip_reason(items) if ours else None
    if reason:
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The test database on a private primary, and a hot standby of it behind the `replica` alias."""
    root = Path("/tmp") / f"fucheng-replica-{os.getpid()}"  # short: the socket path has a length limit
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    root.chmod(0o755)  # the servers run as the postgres user (when run as root), which must get in
    primary = PrivateCluster(root / "primary", database="fucheng_replica")
    standby = PrivateStandby(primary, root / "standby")
    default = connections["default"].settings_dict
    before = {key: default[key] for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD")}
    try:
        primary.init()
        with django_db_blocker.unblock():
            connections["default"].close()
            default.update(HOST="127.0.0.1", PORT=str(primary.port), NAME=primary.database, USER="postgres")
            default["PASSWORD"] = ""
            setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
            connections["default"].close()
        standby.init()  # after the migrations: the standby starts with the migrated test database
        replica = settings_like_default(PORT=str(standby.port))  # the same (test) database name
        # Only so that a transactional test's flush leaves the read-only standby alone: it is a real standby.
        replica["TEST"] = {**replica["TEST"], "MIRROR": "default"}
        with database_alias(REPLICA, replica):
            standby.wait_caught_up()
            yield standby
    finally:
        with django_db_blocker.unblock():
            connections["default"].close()
        standby.remove()
        primary.remove()
        shutil.rmtree(root, ignore_errors=True)
        default.update(before)


@pytest.fixture
def standby(django_db_setup):
    """The standby, caught up, replaying, its lag measured afresh; replay resumed after the test."""
    replica_lag_forget()
    django_db_setup.wait_caught_up()
    yield django_db_setup
    django_db_setup.resume_replay()
    replica_lag_forget()
