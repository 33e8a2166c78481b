"""The overdue follow-up sweep at scale: set-based batches, once per level, digests, a verifiable audit chain."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.alerts.models import Notification
from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, EventKind, FollowUpKind, Tier
from cases.services import follow_ups, notifications
from centers.audit.log import audit_record
from centers.audit.models import AuditEvent
from centers.models import Role

pytestmark = pytest.mark.django_db


def _due(case, n, *, days_late=2):
    """n open follow-ups of `case`, `days_late` days past due (re-assessments: a case may hold many)."""
    due = timezone.now() - dt.timedelta(days=days_late)
    FollowUp.objects.bulk_create(
        [
            FollowUp(case=case, center=case.center, station=case.station, kind=FollowUpKind.REASSESSMENT, due_at=due)
            for _ in range(n)
        ]
    )
    return list(FollowUp.objects.filter(case=case, kind=FollowUpKind.REASSESSMENT, escalation_level=0))


def _sweep_queries(**kwargs) -> tuple[int, int, int]:
    """Escalated rows, then the statements the sweep sent: INSERTs and everything else."""
    with CaptureQueriesContext(connection) as queries:
        escalated = follow_ups.follow_ups_escalate_due(**kwargs)
    inserts = sum(1 for q in queries.captured_queries if q["sql"].startswith("INSERT"))
    return escalated, inserts, len(queries.captured_queries) - inserts


def test_the_sweep_takes_the_same_number_of_queries_for_30_and_300_due_items(open_case, supervisor):
    _due(open_case, 30)
    small, small_inserts, small_others = _sweep_queries()
    _due(open_case, 300)
    large, large_inserts, large_others = _sweep_queries()
    assert (small, large) == (30, 300)
    assert large_others == small_others <= 12, (small_others, large_others)
    if connection.features.max_query_params is None:  # PostgreSQL: one INSERT per table per 1,000 rows
        assert large_inserts == small_inserts == 3
    else:  # SQLite caps one statement at 999 parameters, so 300 rows need a few more INSERTs (never one per row)
        assert small_inserts <= large_inserts <= 3 * 10


def test_each_overdue_follow_up_is_in_the_supervisors_workspace_and_one_digest_is_mailed(
    open_case, supervisor, english
):
    items = _due(open_case, 120)
    assert follow_ups.follow_ups_escalate_due() == 120
    workspace = Notification.objects.filter(user=supervisor, channel="workspace", level=1)
    assert sorted(workspace.values_list("follow_up_id", flat=True)) == sorted(f.pk for f in items)
    assert not workspace.filter(sent_at__isnull=True).exists()  # in-app rows: shown, never sent out
    emails = Notification.objects.filter(user=supervisor, channel="email")
    sms = Notification.objects.filter(user=supervisor, channel="sms")
    assert emails.count() == 1 and sms.count() == 1
    notifications.notifications_send()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["supervisor@example.cn"]
    assert message.subject == "120 follow-ups are more than a day overdue"
    assert message.body.count(open_case.reference) == follow_ups.DIGEST_LISTED
    assert f"and {120 - follow_ups.DIGEST_LISTED} more" in message.body
    assert "/cases/console/" in message.body
    # Every one of them is still on the supervisor's console queue until it is done.
    assert FollowUp.objects.filter(pk__in=[f.pk for f in items], escalation_level=1).count() == 120


def test_every_supervisor_of_the_center_sees_each_follow_up_and_gets_their_own_digest(
    open_case, supervisor, make_staff, other_center
):
    deputy = make_staff(Role.SUPERVISOR, email="deputy@example.cn", phone="13700000009")
    make_staff(Role.SUPERVISOR, center_=other_center, email="elsewhere@example.cn")
    items = _due(open_case, 3)
    assert follow_ups.follow_ups_escalate_due() == 3
    for user in (supervisor, deputy):
        workspace = Notification.objects.filter(channel="workspace", level=1, user=user)
        assert sorted(workspace.values_list("follow_up_id", flat=True)) == sorted(f.pk for f in items)
    assert sorted(Notification.objects.filter(channel="email").values_list("address", flat=True)) == [
        "deputy@example.cn",
        "supervisor@example.cn",
    ]
    assert sorted(Notification.objects.filter(channel="sms").values_list("address", flat=True)) == [
        "13700000002",
        "13700000009",
    ]


def test_a_rerun_sends_nothing_twice(open_case, supervisor, sms_outbox):
    _due(open_case, 40)
    assert follow_ups.follow_ups_escalate_due(batch_size=15) == 40  # three batches: three digests
    rows = Notification.objects.count()
    assert follow_ups.follow_ups_escalate_due(batch_size=15) == 0
    assert Notification.objects.count() == rows
    assert CaseEvent.objects.filter(case=open_case, kind=EventKind.ESCALATED).count() == 40
    assert AuditEvent.objects.filter(action="followup.escalate").count() == 40
    assert notifications.notifications_send() == 6  # 3 emails + 3 SMS
    assert notifications.notifications_send() == 0
    assert len(mail.outbox) == 3 and len(sms_outbox) == 3


def test_high_risk_three_days_late_reaches_the_contact_once_with_the_supervisors(open_case, supervisor, english):
    Case.objects.filter(pk=open_case.pk).update(tier=Tier.HIGH_RISK)
    late = _due(open_case, 5, days_late=4)
    assert follow_ups.follow_ups_escalate_due(batch_size=2) == 5
    assert set(FollowUp.objects.filter(pk__in=[f.pk for f in late]).values_list("escalation_level", flat=True)) == {2}
    assert Notification.objects.filter(level=1, channel="workspace", user=supervisor).count() == 5
    contact = Notification.objects.filter(level=2, user__isnull=True)
    assert sorted(contact.values_list("channel", "address")) == sorted(
        [("email", "duty@example.cn"), ("sms", "13900000110")] * 3  # batches of 2, 2 and 1
    )
    assert follow_ups.follow_ups_escalate_due() == 0
    notifications.notifications_send()
    to_contact = [m for m in mail.outbox if m.to == ["duty@example.cn"]]
    assert len(to_contact) == 3
    assert to_contact[0].subject.startswith("High-risk: 2 follow-ups are three days overdue")


def test_a_follow_up_at_level_one_steps_to_the_contact_when_it_turns_three_days_late(open_case, supervisor):
    Case.objects.filter(pk=open_case.pk).update(tier=Tier.HIGH_RISK)
    (item,) = _due(open_case, 1, days_late=2)
    assert follow_ups.follow_ups_escalate_due() == 1
    assert follow_ups.follow_ups_escalate_due(now=timezone.now() + dt.timedelta(days=1, hours=1)) == 1
    item.refresh_from_db()
    assert item.escalation_level == 2
    assert Notification.objects.filter(level=1, user=supervisor, channel="workspace").count() == 1
    assert Notification.objects.filter(level=2, channel="sms", address="13900000110").count() == 1
    assert list(
        CaseEvent.objects.filter(case=open_case, kind=EventKind.ESCALATED)
        .order_by("pk")
        .values_list("to_value", flat=True)
    ) == ["follow_up:1", "follow_up:2"]


def test_the_batch_audit_rows_keep_the_chain_verifiable(open_case, supervisor, capsys):
    audit_record(actor=None, action="test.before", object_type="centers.resident", object_id=1)
    _due(open_case, 25)
    assert follow_ups.follow_ups_escalate_due(batch_size=10) == 25
    audit_record(actor=None, action="test.after", object_type="centers.resident", object_id=2)
    rows = list(AuditEvent.objects.order_by("id"))
    escalations = [row for row in rows if row.action == "followup.escalate"]
    assert len(escalations) == 25
    assert {row.actor_label for row in escalations} == {"system"}
    assert {row.object_id for row in escalations} == {str(open_case.pk)}
    assert {row.center_id_at for row in escalations} == {open_case.center_id}
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:], strict=False))
    capsys.readouterr()
    call_command("verify_audit")
    assert f"Audit chain intact: {len(rows)} rows verified" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_each_item_exactly_once(open_case, supervisor, capsys):
    Case.objects.filter(pk=open_case.pk).update(tier=Tier.HIGH_RISK)
    _due(open_case, 150)
    _due(open_case, 150, days_late=5)
    now = timezone.now()
    sweeps = 3
    barrier = threading.Barrier(sweeps)
    results: list[object] = []
    lock = threading.Lock()

    def sweep():
        try:
            barrier.wait()
            try:
                outcome: object = follow_ups.follow_ups_escalate_due(now=now, batch_size=20)
            except Exception as exc:  # any error is a failure of the test
                outcome = exc
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(sweeps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(isinstance(r, int) for r in results) and len(results) == sweeps, results
    # A row locked by one sweep is skipped by the others; whatever a sweep skipped, the next minute's run takes.
    leftover = follow_ups.follow_ups_escalate_due(now=now)
    assert sum(results) + leftover == 300
    assert follow_ups.follow_ups_escalate_due(now=now) == 0
    events = list(CaseEvent.objects.filter(case=open_case, kind=EventKind.ESCALATED).values_list("to_value", flat=True))
    assert sorted(events) == ["follow_up:1"] * 150 + ["follow_up:2"] * 150
    assert AuditEvent.objects.filter(action="followup.escalate").count() == 300
    assert Notification.objects.filter(level=1, user=supervisor, channel="workspace").count() == 300
    contact_emails = Notification.objects.filter(level=2, channel="email", address="duty@example.cn")
    assert sum(n.text.count(open_case.reference) for n in contact_emails) == 150  # every one listed, once
    capsys.readouterr()
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out
