"""Audit rows written in a batch (a sweep) join the same hash chain and verify like single rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.models import CaseEvent
from centers.audit.log import AuditEntry, audit_record, audit_record_many
from centers.audit.models import AuditEvent
from centers.infra.bulk import insert_rows
from centers.models import Role
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _entries(n):
    return [
        AuditEntry(action="test.batch", object_type="cases.case", object_id=i, center_id=7, detail={"n": i})
        for i in range(1, n + 1)
    ]


def test_a_batch_between_single_rows_keeps_one_verifiable_chain(capsys):
    audit_record(actor=None, action="test.single", object_type="centers.resident", object_id=1)
    assert audit_record_many(_entries(40)) == 40
    audit_record(actor=None, action="test.single", object_type="centers.resident", object_id=2)
    assert audit_record_many([]) == 0
    rows = list(AuditEvent.objects.order_by("id"))
    assert [row.action for row in rows] == ["test.single"] + ["test.batch"] * 40 + ["test.single"]
    assert [row.object_id for row in rows[1:41]] == [str(i) for i in range(1, 41)]  # ids follow the chain's order
    batch = rows[1:41]
    assert {(row.actor_id, row.actor_label, row.center_id_at) for row in batch} == {(None, "system", 7)}
    assert batch[4].detail == {"n": 5}
    call_command("verify_audit")
    assert "Audit chain intact: 42 rows verified" in capsys.readouterr().out


def test_a_batch_for_a_signed_in_person_carries_them_as_a_single_row_would(make_staff, station, capsys):
    counselor = make_staff(Role.COUNSELOR, station=station)
    single = audit_record(actor=counselor, action="test.single", object_type="cases.case", object_id=1)
    assert audit_record_many(_entries(2), actor=counselor) == 2
    batch = list(AuditEvent.objects.order_by("id"))[1:]
    assert [(r.actor_id, r.actor_label, r.role) for r in batch] == [
        (single.actor_id, single.actor_label, single.role)
    ] * 2
    assert single.role == "counselor"
    call_command("verify_audit")
    assert "Audit chain intact: 3 rows verified" in capsys.readouterr().out


def test_a_batch_for_a_visitor_or_with_a_denial_is_written_as_single_rows_would_be():
    from django.contrib.auth.models import AnonymousUser

    from centers.audit.log import denial_recorded
    from centers.audit.models import AuditOutcome

    single = audit_record(actor=AnonymousUser(), action="test.single")
    audit_record_many(_entries(1), actor=AnonymousUser())
    batch = AuditEvent.objects.order_by("id").last()
    assert (
        (batch.actor_id, batch.actor_label, batch.role)
        == (None, single.actor_label, single.role)
        == (None, "", "anonymous")
    )
    flag: list[bool] = []
    token = denial_recorded.set(flag)
    try:
        audit_record_many(_entries(2))
        assert flag == []
        audit_record_many([AuditEntry(action="test.batch", outcome=AuditOutcome.DENIED)])
        assert flag == [True]  # the middleware adds no second, generic denied row
    finally:
        denial_recorded.reset(token)


def test_an_edited_batch_row_is_found(capsys):
    audit_record_many(_entries(5))
    target = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS centers_auditevent_no_update")
        else:
            cursor.execute("ALTER TABLE centers_auditevent DISABLE TRIGGER centers_auditevent_guard")
        cursor.execute("UPDATE centers_auditevent SET object_id = %s WHERE id = %s", ["999", target.pk])
        if connection.vendor != "sqlite":
            cursor.execute("ALTER TABLE centers_auditevent ENABLE TRIGGER centers_auditevent_guard")
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")
    assert f"row {target.pk}: contents do not match its hash" in capsys.readouterr().err


def test_bulk_inserts_refuse_encrypted_content():
    open_case = CaseFactory()
    with pytest.raises(ValueError, match="encrypted"):
        insert_rows(CaseEvent, ("case_id", "kind", "reason"), [(open_case.pk, "note", "secret words")])
    assert insert_rows(CaseEvent, ("case_id", "kind", "reason"), [(open_case.pk, "escalated", "")]) == 1
    assert CaseEvent.objects.filter(case=open_case, kind="escalated", reason="").count() == 1
