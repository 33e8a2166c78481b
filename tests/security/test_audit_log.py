"""The audit log is append-only and tamper-evident (issue 6, item 7)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, OperationalError, connection, transaction

from centers.audit.log import audit_record
from centers.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

REFUSED = (IntegrityError, InternalError, OperationalError)


def _rows(n=3):
    return [audit_record(actor=None, action=f"test.{i}", object_type="centers.resident", object_id=i) for i in range(n)]


def _raw(sql, params):
    """Bypass the ORM as a tamperer with database access would; the triggers are off for this."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS centers_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS centers_auditevent_no_young_delete")
        else:
            cursor.execute("ALTER TABLE centers_auditevent DISABLE TRIGGER centers_auditevent_guard")
        cursor.execute(sql, params)
        if connection.vendor != "sqlite":
            cursor.execute("ALTER TABLE centers_auditevent ENABLE TRIGGER centers_auditevent_guard")


def test_verify_audit_reports_an_intact_chain(capsys):
    _rows()
    call_command("verify_audit")
    assert "Audit chain intact: 3 rows verified" in capsys.readouterr().out


def test_the_database_refuses_to_change_or_remove_a_row():
    row = _rows(1)[0]
    with pytest.raises(REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(action="nothing.happened")
    with pytest.raises(REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).delete()
    assert AuditEvent.objects.get(pk=row.pk).action == "test.0"


def test_verify_audit_shows_an_edited_row(capsys):
    rows = _rows()
    _raw("UPDATE centers_auditevent SET outcome = %s WHERE id = %s", ["denied", rows[1].pk])
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")
    assert f"row {rows[1].pk}: contents do not match its hash" in capsys.readouterr().err


def test_verify_audit_shows_a_removed_row(capsys):
    rows = _rows()
    _raw("DELETE FROM centers_auditevent WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"row {rows[2].pk}: previous row missing" in capsys.readouterr().err


def test_rows_carry_time_actor_role_object_outcome_and_address(client_for, resident_user):
    client_for(resident_user).get("/audit/", REMOTE_ADDR="203.0.113.7")
    row = AuditEvent.objects.filter(action="audit.read").latest("id")
    assert row.outcome == "denied"
    assert row.actor_id == resident_user.pk
    assert row.role == "resident"
    assert row.ip == "203.0.113.7"
    assert row.at.tzinfo is not None


def test_every_refused_request_leaves_one_row(client_for, resident_user, make_staff, other_center):

    client = client_for(resident_user)
    assert client.get("/cases/console/").status_code == 404
    row = AuditEvent.objects.filter(action="access.denied").latest("id")
    assert (row.actor_id, row.object_id, row.outcome) == (resident_user.pk, "cases:console", "denied")
    assert row.detail == {"path": "/cases/console/", "method": "GET", "status": 404}
    # A view that records its own denial is not recorded twice.
    before = AuditEvent.objects.count()
    client.get("/audit/")
    assert AuditEvent.objects.count() == before + 1


def test_a_stranger_membership_revoke_is_refused_and_logged(client_for, supervisor, make_staff, other_center):
    from centers.models import Membership, Role

    stranger = make_staff(Role.COUNSELOR, center_=other_center)
    membership = Membership.objects.get(user=stranger)
    response = client_for(supervisor).post(f"/staff/{membership.pk}/revoke/")
    assert response.status_code == 404
    assert Membership.objects.get(pk=membership.pk).is_active
    assert AuditEvent.objects.filter(
        action="access.denied", actor=supervisor, object_id="centers:staff_revoke"
    ).exists()


def test_the_auditor_filters_by_action_outcome_and_date(client_for, auditor, center):
    audit_record(
        actor=None,
        action="login.failed",
        outcome="denied",
        object_type="centers.user",
        object_id=7,
        center_id=center.pk,
    )
    audit_record(actor=None, action="consent.give", object_type="centers.resident", object_id=8, center_id=center.pk)
    client = client_for(auditor)
    html = client.get("/audit/", {"outcome": "denied"}).content.decode()
    assert "login.failed" in html and "consent.give" not in html
    html = client.get("/audit/", {"action": "consent", "date_from": "2020-01-01"}).content.decode()
    assert "consent.give" in html and "login.failed" not in html
    html = client.get("/audit/", {"date_from": "2026-12-31", "date_to": "2026-01-01"}).content.decode()
    assert "The end date is before the start date." in html or "截止日期早于起始日期" in html
    assert client.get("/audit/", {"date_from": "not-a-date"}).status_code == 200


def test_the_log_names_every_role_of_the_actor_in_chinese(client_for, auditor, make_staff, station):
    from centers.models import Membership, Role

    both = make_staff(Role.COUNSELOR, station=station, display_name="双角色")
    Membership.objects.create(user=both, center=station.center, role=Role.SUPERVISOR)
    audit_record(actor=both, action="case.read", object_type="cases.case", object_id=5, center_id=station.center_id)
    audit_record(actor=None, action="sweep.run", center_id=station.center_id)
    html = client_for(auditor).get("/audit/", {"action": "case.read"}).content.decode()
    assert "<td>心理咨询师、中心督导</td>" in html
    assert "counselor" not in html, "no role code shows untranslated"
    assert "<td>无账号（访客或系统）</td>" in client_for(auditor).get("/audit/", {"action": "sweep"}).content.decode()


def test_audit_list_queries_do_not_grow_with_rows(client_for, auditor, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(auditor)
    for i in range(5):
        audit_record(actor=None, action=f"bulk.{i}")
    with CaptureQueriesContext(connection) as small:
        client.get("/audit/")
    for i in range(60):
        audit_record(actor=None, action=f"bulk.more.{i}")
    with CaptureQueriesContext(connection) as large:
        client.get("/audit/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_no_clinical_text_lands_in_audit_rows_written_by_centers(client_for, resident_user, resident, password):
    from centers.privacy.services import consent_give

    consent_give(resident=resident, purpose="screening", actor=resident_user)
    client_for(resident_user).get("/me/data/")
    for row in AuditEvent.objects.all():
        text = str(row.detail) + row.action + row.object_id
        assert "林小雨" not in text and "13812341234" not in text


def test_admin_reads_and_changes_are_audited(client_for, station):
    from centers.models import Administrator, AdministratorKind
    from tests.factories import UserFactory, give_totp

    system_admin = give_totp(UserFactory())
    Administrator.objects.create(user=system_admin, kind=AdministratorKind.SYSTEM)
    client = client_for(system_admin)
    client.get("/admin/centers/station/")
    client.get(f"/admin/centers/station/{station.pk}/change/")
    assert AuditEvent.objects.filter(action="admin.list", actor=system_admin, object_type="centers.station").exists()
    assert AuditEvent.objects.filter(action="admin.view", actor=system_admin, object_id=str(station.pk)).exists()


def test_the_auditor_checks_the_chain_from_the_page(client_for, auditor):
    rows = _rows()
    client = client_for(auditor)
    html = client.post("/audit/verify/", follow=True).content.decode()
    assert "The audit chain is intact." in html or "审计链完整" in html
    _raw("UPDATE centers_auditevent SET action = %s WHERE id = %s", ["nothing", rows[0].pk])
    html = client.post("/audit/verify/", follow=True).content.decode()
    assert "tampered" in html or "篡改" in html


def test_behind_a_trusted_proxy_the_client_address_is_recorded(client_for, resident_user, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client_for(resident_user).get("/audit/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert AuditEvent.objects.filter(action="audit.read").latest("id").ip == "198.51.100.9"
