"""AddIndexOnline: an index built without blocking writes on PostgreSQL, a plain index on SQLite."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from centers.infra.migration_operations import AddIndexOnline

NAME = "test_appt_online_idx"


def _operation() -> AddIndexOnline:
    return AddIndexOnline(
        model_name="appointment",
        index=models.Index(fields=["counselor", "starts_at"], name=NAME, condition=~models.Q(status="cancelled")),
    )


def _indexes() -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, "appointments_appointment")


def _run(direction: str) -> list[str]:
    operation = _operation()
    before = ProjectState.from_apps(apps)
    after = before.clone()
    operation.state_forwards("appointments", after)
    with CaptureQueriesContext(connection) as queries, connection.schema_editor(atomic=False) as editor:
        if direction == "forwards":
            operation.database_forwards("appointments", editor, before, after)
        else:
            operation.database_backwards("appointments", editor, after, before)
    return [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def cleanup():
    """DDL is not rolled back after a transactional test: the index must not outlive a failed one."""
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(NAME)}")


@pytest.mark.django_db(transaction=True)
def test_the_index_is_built_and_removed_on_either_database(cleanup):
    sql = _run("forwards")
    assert _indexes()[NAME]["columns"] == ["counselor_id", "starts_at"]
    creates = [s for s in sql if s.startswith("CREATE INDEX")]
    assert len(creates) == 1
    assert ("CONCURRENTLY" in creates[0]) == (connection.vendor == "postgresql")
    _run("backwards")
    assert NAME not in _indexes()


@pytest.mark.django_db(transaction=True)
def test_an_index_left_by_a_run_that_stopped_before_it_was_recorded_is_replaced(cleanup):
    with connection.cursor() as cursor:  # atomic = False: the index was built, the migration not recorded
        cursor.execute(f"CREATE INDEX {connection.ops.quote_name(NAME)} ON appointments_appointment (resident_id)")
    _run("forwards")  # without the clean-up: "already exists"
    assert _indexes()[NAME]["columns"] == ["counselor_id", "starts_at"]


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"
)
@pytest.mark.django_db(transaction=True)
def test_an_interrupted_concurrent_build_is_replaced_when_the_migration_runs_again(cleanup):
    _run("forwards")
    with connection.cursor() as cursor:  # what an interrupted CREATE INDEX CONCURRENTLY leaves behind
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [NAME])
    _run("forwards")  # without the clean-up: "relation already exists"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass", [NAME])
        assert cursor.fetchone() == (True,)
    _run("backwards")
    assert NAME not in _indexes()
