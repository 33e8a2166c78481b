"""The retention schedule (issue 25 item 8): per record type, legal holds, the monthly report, the purge."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, Feedback
from cases.alerts.models import CallbackRequest, CrisisAlert
from cases.consult.models import Conversation, ConversationStatus, Message
from cases.models import Case, CaseNote, Stage
from centers.audit.models import AuditEvent
from centers.retention.checks import retention_schedule_check
from centers.retention.models import LegalHold, RetentionReport
from centers.retention.schedule import add_years
from centers.retention.selectors import month_rows
from centers.retention.services import hold_place, hold_release, purge_expired, report_write
from centers.retention.tasks import retention_monthly_report
from tests.appointments.factories import AppointmentFactory
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _closed_case(center, resident, *, closed_at=NOW):
    case = CaseFactory(center=center, resident=resident, station=resident.station)
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, closed_at=closed_at)
    CaseNote.objects.create(case=case, body="会谈记录：失眠")
    alert = CrisisAlert.objects.create(case=case, center=center, reason="hotline", acknowledged_at=closed_at)
    CallbackRequest.objects.create(alert=alert, source=CallbackRequest.Source.HOTLINE, phone="13812341234")
    case.refresh_from_db()
    return case


def _conversation(center, resident, *, closed_at=NOW, case=None):
    conversation = Conversation.objects.create(
        center=center, resident=resident, status=ConversationStatus.CLOSED, closed_at=closed_at, case=case
    )
    Message.objects.create(conversation=conversation, kind="resident", body="我睡不着")
    return conversation


def _appointment(center, resident, *, note="", hours_before=0):
    appointment = AppointmentFactory(
        slot__center=center, resident=resident, status=AppointmentStatus.COMPLETED, session_note=note
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=NOW - dt.timedelta(hours=hours_before + 1), ends_at=NOW - dt.timedelta(hours=hours_before)
    )
    Feedback.objects.create(appointment=appointment, rating=4, comment="谈完轻松了一些")
    return appointment


def _removed(outcome, code):
    return sorted(outcome.removed.get(code, []))


def test_each_record_type_becomes_due_after_its_own_period(center, resident):
    case = _closed_case(center, resident)
    conversation = _conversation(center, resident)
    plain = _appointment(center, resident)
    noted = _appointment(center, resident, note="会谈笔记", hours_before=3)
    with time_machine.travel(add_years(NOW, 3) - dt.timedelta(days=1), tick=False):
        outcome = purge_expired(dry_run=True)
        assert dict(outcome.removed) == {}
    with time_machine.travel(add_years(NOW, 3) + dt.timedelta(days=1), tick=False):
        outcome = purge_expired(dry_run=True)
        assert _removed(outcome, "conversation") == [conversation.pk]
        assert _removed(outcome, "appointment") == [plain.pk]  # the one with a session note is a counseling record
        assert _removed(outcome, "case") == []
    with time_machine.travel(add_years(NOW, 10) + dt.timedelta(days=1), tick=False):
        outcome = purge_expired(dry_run=True)
        assert _removed(outcome, "case") == [case.pk]
        assert _removed(outcome, "appointment") == sorted([plain.pk, noted.pk])


def test_a_center_that_keeps_records_longer_is_followed(center, resident):
    center.record_retention_years = 15
    center.save()
    case = _closed_case(center, resident)
    with time_machine.travel(add_years(NOW, 10) + dt.timedelta(days=1), tick=False):
        assert _removed(purge_expired(dry_run=True), "case") == []
    with time_machine.travel(add_years(NOW, 15) + dt.timedelta(days=1), tick=False):
        assert _removed(purge_expired(dry_run=True), "case") == [case.pk]


def test_purge_removes_the_case_and_all_it_holds_and_writes_audit_rows_without_content(center, resident):
    case = _closed_case(center, resident)
    joined = _conversation(center, resident, case=case)
    with time_machine.travel(add_years(NOW, 10) + dt.timedelta(days=1), tick=False):
        outcome = purge_expired()
    assert _removed(outcome, "case") == [case.pk]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not CaseNote.objects.filter(case_id=case.pk).exists()
    assert not CrisisAlert.objects.filter(case_id=case.pk).exists() and not CallbackRequest.objects.exists()
    assert not Conversation.objects.filter(pk=joined.pk).exists() and not Message.objects.exists()
    row = AuditEvent.objects.get(action="retention.purge", object_type="case")
    assert row.detail["ids"] == [case.pk] and row.detail["count"] == 1 and row.center_id_at == center.pk
    assert "失眠" not in str(row.detail)


def test_a_second_run_removes_nothing_more(center, resident):
    _conversation(center, resident)
    with time_machine.travel(add_years(NOW, 4), tick=False):
        first = purge_expired()
        audit_rows = AuditEvent.objects.filter(action="retention.purge").count()
        second = purge_expired()
    assert sum(len(ids) for ids in first.removed.values()) == 1
    assert dict(second.removed) == {}
    assert AuditEvent.objects.filter(action="retention.purge").count() == audit_rows == 1


def test_dry_run_changes_nothing(center, resident, capsys):
    conversation = _conversation(center, resident)
    with time_machine.travel(add_years(NOW, 4), tick=False):
        before = AuditEvent.objects.count()
        call_command("purge_expired_records", "--dry-run")
    out = capsys.readouterr().out
    assert f"conversation: would remove 1 [{conversation.pk}]" in out
    assert Conversation.objects.filter(pk=conversation.pk).exists()
    assert AuditEvent.objects.count() == before


def test_a_hold_on_the_record_keeps_it_and_releasing_it_lets_it_go(center, resident, supervisor):
    case = _closed_case(center, resident)
    hold = hold_place(
        actor=supervisor, center=center, reason="法院调取 (2036)川01民初1号", record_type_code="case", object_id=case.pk
    )
    assert AuditEvent.objects.filter(action="retention.hold_place", object_id=str(hold.pk)).exists()
    with time_machine.travel(add_years(NOW, 11), tick=False):
        outcome = purge_expired()
        assert outcome.held["case"] == [case.pk]
        assert Case.objects.filter(pk=case.pk).exists()
        hold_release(actor=supervisor, hold=hold)
        outcome = purge_expired()
    assert _removed(outcome, "case") == [case.pk]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert AuditEvent.objects.filter(action="retention.hold_release", object_id=str(hold.pk)).exists()


def test_a_hold_on_the_person_keeps_all_their_records(center, resident, supervisor):
    _closed_case(center, resident)
    _conversation(center, resident)
    _appointment(center, resident)
    hold_place(actor=supervisor, center=center, reason="投诉调查", resident=resident)
    with time_machine.travel(add_years(NOW, 11), tick=False):
        outcome = purge_expired()
    assert dict(outcome.removed) == {}
    assert {code: len(ids) for code, ids in outcome.held.items()} == {"case": 1, "conversation": 1, "appointment": 1}


def test_records_of_a_person_with_an_open_case_stay(center, resident):
    conversation = _conversation(center, resident)
    CaseFactory(center=center, resident=resident, station=resident.station)  # open
    with time_machine.travel(add_years(NOW, 4), tick=False):
        outcome = purge_expired()
    assert outcome.open_case["conversation"] == [conversation.pk]
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_only_a_supervisor_of_the_center_places_a_hold_and_bad_input_is_refused(
    english, center, resident, counselor, supervisor
):
    case = _closed_case(center, resident)
    with pytest.raises(ValidationError, match="supervisor"):
        hold_place(actor=counselor, center=center, reason="x", record_type_code="case", object_id=case.pk)
    with pytest.raises(ValidationError, match="why"):
        hold_place(actor=supervisor, center=center, reason="  ", record_type_code="case", object_id=case.pk)
    with pytest.raises(ValidationError, match="no such record"):
        hold_place(actor=supervisor, center=center, reason="x", record_type_code="case", object_id=case.pk + 999)
    with pytest.raises(ValidationError, match="record type"):
        hold_place(actor=supervisor, center=center, reason="x", record_type_code="nonsense", object_id=case.pk)
    assert not LegalHold.objects.exists()


def test_the_report_counts_what_becomes_due_this_month_and_what_is_held(center, resident, supervisor):
    first = _closed_case(center, resident, closed_at=NOW)
    second = _closed_case(center, resident, closed_at=NOW + dt.timedelta(days=3))
    _closed_case(center, resident, closed_at=NOW + dt.timedelta(days=40))  # next month
    hold_place(actor=supervisor, center=center, reason="审计", record_type_code="case", object_id=second.pk)
    with time_machine.travel(add_years(NOW, 10).replace(day=1), tick=False):
        rows = {
            row["record_type"]: row for row in month_rows(month=timezone.localdate(), center_ids={center.pk})[center.pk]
        }
        assert rows["case"]["due_this_month"] == 2 and rows["case"]["held"] == 1
        assert rows["case"]["held_ids"] == [second.pk]
        assert rows["conversation"]["due_this_month"] == 0
        assert retention_monthly_report() >= 1
    report = RetentionReport.objects.get(center=center)
    assert report.month == dt.date(2036, 12, 1)
    assert [row["due_this_month"] for row in report.rows if row["record_type"] == "case"] == [2]
    assert len(report.holds) == 1 and report.holds[0]["object_id"] == second.pk
    assert first.pk not in [hold["object_id"] for hold in report.holds]
    # written again, not twice
    report_write(month=dt.date(2036, 12, 15))
    assert RetentionReport.objects.filter(center=center).count() == 1


def test_the_report_command_rejects_a_bad_month_and_prints_the_counts(center, capsys):
    with pytest.raises(CommandError, match="2026-12"):
        call_command("retention_report", "--month", "December")
    call_command("retention_report", "--month", "2030-01")
    assert "case: due this month 0" in capsys.readouterr().out
    assert RetentionReport.objects.filter(month=dt.date(2030, 1, 1)).exists()


def test_the_deploy_check_refuses_periods_under_the_floor(settings):
    assert retention_schedule_check(None) == []
    settings.FUCHENG_RETENTION_AUDIT_DAYS = 90
    settings.FUCHENG_RETENTION_CASE_YEARS = 5
    messages = [error.msg for error in retention_schedule_check(None)]
    assert any("FUCHENG_RETENTION_AUDIT_DAYS" in m and "183" in m for m in messages)
    assert any("FUCHENG_RETENTION_CASE_YEARS" in m and "10" in m for m in messages)
    with pytest.raises(CommandError, match="retention settings"):
        call_command("purge_expired_records")


def test_the_purge_command_also_purges_old_audit_rows(settings, capsys):
    settings.FUCHENG_RETENTION_AUDIT_DAYS = 200
    call_command("purge_expired_records")
    assert "No record is past its retention." in capsys.readouterr().out


def test_the_retention_page_is_for_supervisors_and_auditors(
    client_for, center, resident, supervisor, auditor, counselor
):
    case = _closed_case(center, resident)
    assert client_for(counselor).get(reverse("retention:page")).status_code == 404
    page = client_for(auditor).get(reverse("retention:page"))
    assert page.status_code == 200 and "hold-form" not in page.content.decode()
    client = client_for(supervisor)
    response = client.post(
        reverse("retention:hold_place"),
        {"center": center.pk, "record_type": "case", "number": case.reference, "reason": "法院调取"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.object_id == case.pk and hold.placed_by == supervisor
    bad = client.post(
        reverse("retention:hold_place"), {"center": center.pk, "record_type": "case", "number": "abc", "reason": "x"}
    )
    assert bad.status_code == 400 and LegalHold.objects.count() == 1
    client.post(reverse("retention:hold_release", args=[hold.pk]))
    hold.refresh_from_db()
    assert hold.released_by == supervisor


def test_feedback_comments_are_encrypted_at_rest(center, resident):
    appointment = _appointment(center, resident)
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM appointments_feedback WHERE appointment_id = %s", [appointment.pk])
        stored = cursor.fetchone()[0]
    assert "轻松" not in stored
    assert Feedback.objects.get(appointment=appointment).comment == "谈完轻松了一些"
