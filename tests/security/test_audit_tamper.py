"""An audit log no single person can rewrite: the chain is keyed, anchored outside the database, and
verify_audit names each way of tampering with it.

The tamperer here has the database (a superuser's connection: triggers can be disabled) but not the audit
key, which lives in the environment, nor the write-once anchor folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, OperationalError, connection, transaction
from django.utils import timezone

from centers.audit.log import _canonical, audit_anchor, audit_record, audit_verify
from centers.audit.models import AuditAnchor, AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = (IntegrityError, InternalError, OperationalError)
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE and trigger switches: PostgreSQL")


@pytest.fixture(autouse=True)
def anchor_dir(settings, tmp_path):
    settings.FUCHENG_AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
    return tmp_path / "anchors"


def _rows(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action=f"test.{i}", object_type="centers.resident", object_id=i)
        for i in range(start, start + n)
    ]


def _tamper(*statements: tuple[str, list]) -> None:
    """Run SQL with every trigger of the audit tables off, as a database superuser could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # row triggers do not fire
        else:
            for name in ("centers_auditevent_no_update", "centers_auditevent_no_young_delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in ("centers_auditanchor_no_update", "centers_auditanchor_no_delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def _problems() -> str:
    return "\n".join(audit_verify())


def test_new_rows_are_signed_with_the_current_key_and_an_intact_chain_verifies(anchor_dir, capsys):
    rows = _rows(3)
    assert {row.key_id for row in rows} == {"dev"}
    # The hash is not a plain SHA-256 of the row: without the key it cannot be recomputed.
    assert rows[0].hash != hashlib.sha256(_canonical(rows[0]).encode()).hexdigest()
    audit_anchor()
    call_command("verify_audit")
    assert "Audit chain intact: 3 rows verified, 1 anchors checked." in capsys.readouterr().out
    files = list(anchor_dir.glob("anchor-*.json"))
    assert len(files) == 1
    document = json.loads(files[0].read_text())
    assert (document["last_id"], document["row_count"]) == (rows[-1].pk, 3)


def test_an_edited_row_rehashed_without_the_key_is_named(settings):
    rows = _rows(3)
    audit_anchor()
    # The tamperer changes a row and recomputes every hash after it as plain SHA-256 (they lack the key).
    prev = rows[0].hash
    statements = []
    for row in rows[1:]:
        row.outcome = "denied" if row.pk == rows[1].pk else row.outcome
        row.prev_hash, row.key_id = prev, ""
        row.hash = prev = hashlib.sha256(_canonical(row).encode()).hexdigest()
        statements.append(
            (
                "UPDATE centers_auditevent SET outcome=%s, prev_hash=%s, key_id=%s, hash=%s WHERE id=%s",
                [row.outcome, row.prev_hash, "", row.hash, row.pk],
            )
        )
    _tamper(*statements)
    problems = _problems()
    assert f"row {rows[1].pk}: unsigned, after signed rows" in problems
    assert f"row {rows[2].pk} no longer has the hash it recorded (rows rewritten)" in problems


def test_a_row_edited_in_place_is_named():
    rows = _rows(3)
    _tamper(("UPDATE centers_auditevent SET action = %s WHERE id = %s", ["nothing.happened", rows[1].pk]))
    assert f"row {rows[1].pk}: contents do not match its hash" in _problems()


def test_the_newest_rows_deleted_with_the_triggers_off_are_named():
    rows = _rows(4)
    audit_anchor()
    _tamper(("DELETE FROM centers_auditevent WHERE id >= %s", [rows[2].pk]))
    problems = _problems()
    assert f"row {rows[3].pk}, the head it recorded, is missing (newest rows deleted)" in problems
    assert "it recorded 4 rows" in problems and "the table has 2" in problems


def test_the_oldest_rows_deleted_outside_a_purge_are_named():
    rows = _rows(4)
    _tamper(("DELETE FROM centers_auditevent WHERE id <= %s", [rows[1].pk]))
    assert f"row {rows[2].pk}: the first row does not link to the start of the chain" in _problems()


def test_a_purge_is_recorded_and_re_anchored_so_the_rest_still_verifies(capsys):
    old = _rows(3)
    _tamper(
        (
            "UPDATE centers_auditevent SET at = %s WHERE id <= %s",
            [timezone.now() - dt.timedelta(days=400), old[-1].pk],
        )
    )
    # Moving the time of old rows is itself tampering: re-sign them as if they had been written then.
    _resign_all()
    last_old_hash = AuditEvent.objects.get(pk=old[-1].pk).hash
    young = _rows(2, start=3)
    call_command("purge_audit", "--older-than-days", "365")
    assert not AuditEvent.objects.filter(pk__in=[row.pk for row in old]).exists()
    purge = AuditAnchor.objects.get(kind="purge")
    assert (purge.base_id, purge.base_hash, purge.purged_rows) == (old[-1].pk, last_old_hash, 3)
    assert _problems() == ""
    assert AuditEvent.objects.filter(pk__in=[row.pk for row in young]).count() == 2
    assert AuditEvent.objects.filter(action="audit.purge", detail__through_id=old[-1].pk).exists()


def test_an_anchor_forged_in_the_table_is_named():
    _rows(2)
    anchor = audit_anchor()
    _tamper(("UPDATE centers_auditanchor SET row_count = %s WHERE id = %s", [1, anchor.pk]))
    assert "its signature does not match (the anchor was forged or changed)" in _problems()


def test_anchor_rows_deleted_from_the_database_are_found_from_the_files():
    rows = _rows(3)
    audit_anchor()
    _tamper(
        ("DELETE FROM centers_auditanchor", []),
        ("DELETE FROM centers_auditevent WHERE id = %s", [rows[-1].pk]),
    )
    problems = _problems()
    assert "the anchor it holds is missing from the database (anchor rows removed)" in problems
    assert f"row {rows[-1].pk}, the head it recorded, is missing" in problems


def test_a_rotated_key_signs_new_rows_and_the_old_key_still_verifies_old_ones(settings):
    old = _rows(2)
    new_key = base64.b64encode(b"a-second-audit-key-for-rotation!").decode()
    settings.FUCHENG_AUDIT_KEYS = f"k2:{new_key},{settings.FUCHENG_AUDIT_KEYS}"
    new = _rows(2, start=2)
    assert {row.key_id for row in old} == {"dev"} and {row.key_id for row in new} == {"k2"}
    assert _problems() == ""
    settings.FUCHENG_AUDIT_KEYS = f"k2:{new_key}"  # the old key dropped too early
    assert f"row {old[0].pk}: signed with an unknown key 'dev'" in _problems()


@on_postgres
def test_the_database_refuses_truncate_of_rows_and_anchors():
    _rows(2)
    audit_anchor()
    for table in ("centers_auditevent", "centers_auditanchor"):
        with pytest.raises(REFUSED, match="cannot be truncated"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == 2 and AuditAnchor.objects.count() == 1


@on_postgres
def test_a_truncate_with_the_trigger_disabled_is_named():
    _rows(3)
    audit_anchor()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE centers_auditevent DISABLE TRIGGER centers_auditevent_no_truncate")
        cursor.execute("TRUNCATE centers_auditevent")
        cursor.execute("ALTER TABLE centers_auditevent ENABLE TRIGGER centers_auditevent_no_truncate")
    problems = _problems()
    assert "it recorded 3 rows" in problems and "the table has 0" in problems


@on_postgres
def test_anchors_are_append_only():
    anchor = audit_anchor()
    with pytest.raises(REFUSED), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).update(row_count=99)
    with pytest.raises(REFUSED), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).delete()


def test_verify_audit_exits_non_zero_and_names_the_problem(capsys):
    rows = _rows(2)
    _tamper(("UPDATE centers_auditevent SET action = %s WHERE id = %s", ["x", rows[0].pk]))
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")
    assert f"row {rows[0].pk}: contents do not match its hash" in capsys.readouterr().err


def _resign_all() -> None:
    """Recompute the chain with the key (as a test set-up, not a tamperer: they do not have it)."""
    from centers.audit.log import GENESIS_HASH, compute_hash

    prev = GENESIS_HASH
    statements = []
    for row in AuditEvent.objects.order_by("id"):
        row.prev_hash = prev
        row.hash = prev = compute_hash(row)
        statements.append(
            ("UPDATE centers_auditevent SET prev_hash=%s, hash=%s WHERE id=%s", [row.prev_hash, row.hash, row.pk])
        )
    _tamper(*statements)


def test_beat_anchors_the_chain_every_hour(anchor_dir):
    from centers.tasks import audit_anchor_hourly
    from fucheng.celery import app

    entry = app.conf.beat_schedule["centers-audit-anchor"]
    assert entry["task"] == "centers.audit.anchor" and entry["schedule"].minute == {0}
    rows = _rows(2)
    assert audit_anchor_hourly() == rows[-1].pk
    assert AuditAnchor.objects.get().kind == "hourly"
    assert len(list(anchor_dir.glob("anchor-*.json"))) == 1
