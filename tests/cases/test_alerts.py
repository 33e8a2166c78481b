"""Crisis alerts: a row first, then workspace, email and SMS; escalation by a sweep over the database."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from cases import tasks
from cases.alerts.models import CrisisAlert, Notification
from cases.models import Channel, EventKind
from cases.services import alerts as alert_services
from cases.services import intake as intake_services
from cases.services import notifications as notification_services
from centers.audit.models import AuditEvent
from centers.messaging.models import MessageStatus, OutboundMessage
from centers.messaging.services import messages_dispatch
from centers.models import DutyShift
from tests.cases.conftest import ASQ_ACUTE

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _raise_at(person, center, when, **kwargs):
    with time_machine.travel(when, tick=False):
        case, _ = intake_services.case_intake(
            resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=person.user, **kwargs
        )
    return case.alerts.get()


@pytest.fixture
def duty_at_t0(make_staff, center):
    from centers.models import Role, ShiftKind

    user = make_staff(Role.COUNSELOR, email="night@example.cn", phone="13700000009", display_name="夜班老师")
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=user,
        starts_at=T0 - dt.timedelta(hours=2),
        ends_at=T0 + dt.timedelta(hours=6),
        is_crisis_team=True,
    )
    return user


def test_alert_goes_to_the_crisis_team_on_duty(person, center, duty_at_t0, supervisor, sms_outbox):
    alert = _raise_at(person, center, T0)
    rows = Notification.objects.filter(alert=alert)
    assert {(r.channel, r.address) for r in rows} == {
        ("workspace", f"user:{duty_at_t0.pk}"),
        ("email", "night@example.cn"),
        ("sms", "13700000009"),
    }
    assert rows.get(channel="workspace").sent_at is not None
    assert notification_services.notifications_send() == 2
    assert mail.outbox[0].to == ["night@example.cn"] and "C0" in mail.outbox[0].subject
    assert sms_outbox == [{"phone": "13700000009", "text": sms_outbox[0]["text"]}]
    assert person.full_name not in sms_outbox[0]["text"]  # no names in messages


def test_with_nobody_on_duty_the_alert_goes_to_supervisors_and_the_escalation_contact(person, center, supervisor):
    alert = _raise_at(person, center, T0)
    addresses = set(Notification.objects.filter(alert=alert).values_list("address", flat=True))
    assert {
        f"user:{supervisor.pk}",
        "supervisor@example.cn",
        "13700000002",
        "duty@example.cn",
        "13900000110",
    } <= addresses


def test_escalation_at_15_and_30_minutes_with_a_frozen_clock(person, center, duty_at_t0, supervisor):
    alert = _raise_at(person, center, T0)
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=14, seconds=59)) == 0
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=15)) == 1
    alert.refresh_from_db()
    assert alert.level == CrisisAlert.Level.SUPERVISOR
    assert Notification.objects.filter(alert=alert, level=1, address="supervisor@example.cn").exists()
    assert not Notification.objects.filter(alert=alert, address="duty@example.cn").exists()
    # Running the sweep again in the same minute escalates nothing twice.
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=16)) == 0
    assert Notification.objects.filter(alert=alert, level=1).count() == 3
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=30)) == 1
    alert.refresh_from_db()
    assert alert.level == CrisisAlert.Level.CONTACT
    assert set(Notification.objects.filter(alert=alert, level=2).values_list("address", flat=True)) == {
        "duty@example.cn",
        "13900000110",
    }
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=45)) == 0
    assert alert.case.events.filter(kind=EventKind.ESCALATED).count() == 2
    assert AuditEvent.objects.filter(action="alert.escalate").count() == 2


def test_a_late_sweep_escalates_straight_to_the_contact_once(person, center, duty_at_t0, supervisor):
    alert = _raise_at(person, center, T0)
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=40)) == 1
    alert.refresh_from_db()
    assert alert.level == 2
    assert Notification.objects.filter(alert=alert, level=1).exists()
    assert Notification.objects.filter(alert=alert, level=2).exists()


def test_the_beat_sweep_with_a_frozen_clock(person, center, duty_at_t0, supervisor):
    _raise_at(person, center, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=15, seconds=30), tick=False):
        first = tasks.sweep()
        second = tasks.sweep()
    assert first["alerts_escalated"] == 1 and second["alerts_escalated"] == 0
    assert second["sent"] == 0
    alert_subjects = set(Notification.objects.filter(alert__isnull=False).values_list("subject", flat=True))
    # the team's email at raise, the supervisor's at escalation; each once
    assert len([m for m in mail.outbox if m.subject in alert_subjects]) == 2
    # and, the crisis team having gaps in the coming 14 days, the supervisor's daily coverage digest, once
    assert first["coverage_digests"] == 1 and second["coverage_digests"] == 0
    assert len(mail.outbox) == 3


def test_centers_tune_their_timers(person, center, duty_at_t0, supervisor):
    center.alert_ack_minutes = 5
    center.alert_second_escalation_minutes = 10
    center.save()
    alert = _raise_at(person, center, T0)
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=5)) == 1
    alert.refresh_from_db()
    assert alert.level == 1


def test_an_acknowledged_alert_does_not_escalate(person, center, duty_at_t0, supervisor):
    alert = _raise_at(person, center, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        alert_services.alert_acknowledge(alert=alert, actor=duty_at_t0)
    assert alert_services.alerts_escalate_due(now=T0 + dt.timedelta(minutes=31)) == 0
    alert.refresh_from_db()
    assert alert.level == 0 and alert.acknowledged_in_time
    case = alert.case
    assert duty_at_t0 in case.counselors.all()  # whoever acknowledges takes the case


def test_first_contact_within_the_hour_is_recorded(person, center, duty_at_t0):
    alert = _raise_at(person, center, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=40), tick=False):
        alert_services.alert_record_contact(alert=alert, actor=duty_at_t0)
    alert.refresh_from_db()
    assert alert.first_contact_at <= alert.contact_due_at
    assert alert.case.first_contact_at == alert.first_contact_at
    assert AuditEvent.objects.filter(action="alert.contact", detail__within_hour=True).exists()


def test_a_second_acute_signal_keeps_one_open_alert(person, center, duty_at_t0):
    alert = _raise_at(person, center, T0)
    again = _raise_at(person, center, T0 + dt.timedelta(minutes=2))
    assert again.pk == alert.pk and CrisisAlert.objects.count() == 1


@pytest.fixture
def broker_down(monkeypatch):
    """A broker nobody listens on: what the web process sees while Redis is stopped."""
    from fucheng.celery import app

    old_url, old_pool, old_producers = app.conf.broker_url, app._pool, app.amqp._producer_pool
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None  # no connection made before the fault may be reused
    yield
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url, app._pool, app.amqp._producer_pool = old_url, old_pool, old_producers


def test_with_redis_down_a_high_risk_screening_still_works_and_the_alert_goes_out_once(
    client_for,
    resident_user,
    resident,
    center,
    on_duty,
    broker_down,
    django_capture_on_commit_callbacks,
    sms_outbox,
    caplog,
):
    from django.urls import reverse

    from centers.privacy.models import ConsentPurpose
    from centers.privacy.services import consent_give

    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident_user)
    client = client_for(resident_user)
    answers = {k: v for k, v in ASQ_ACUTE.items() if v is not None}
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("cases:self_check_take", args=[resident.pk, "asq"]), answers)
    assert time.monotonic() - started < 5, "the person does not wait for the broker's connection retries"
    assert callbacks, "the alert task was queued after commit"
    for thread in threading.enumerate():
        if thread.name.startswith("enqueue-cases."):
            thread.join(timeout=30)
    assert "could not queue cases.alert_dispatch" in caplog.text
    assert response.status_code == 302 and "/self-check/help/" in response["Location"]
    alert = CrisisAlert.objects.get(case__resident=resident)
    assert Notification.objects.filter(alert=alert, channel="sms", sent_at__isnull=True).count() == 1
    assert sms_outbox == []
    # Redis is back: the next sweep sends it, and the one after sends nothing more.
    assert tasks.sweep()["sent"] == 2
    assert tasks.sweep()["sent"] == 0
    assert [m["phone"] for m in sms_outbox] == ["13700000001"]
    assert len(mail.outbox) == 1


def test_the_dispatch_task_sends_each_row_once(person, center, duty_at_t0):
    alert = _raise_at(person, center, T0)
    assert tasks.alert_dispatch(alert.pk) == 2
    assert tasks.alert_dispatch(alert.pk) == 0
    assert len(mail.outbox) == 1


def test_a_failed_email_is_retried_by_the_outbox_and_reaches_the_person_once(person, center, duty_at_t0, monkeypatch):
    alert = _raise_at(person, center, T0)

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("centers.messaging.backends.EmailMessage.send", broken)
    assert notification_services.notifications_send() == 2  # both rows handed to the outbox; the SMS went
    assert Notification.objects.filter(alert=alert, sent_at__isnull=True).count() == 0
    [email] = OutboundMessage.objects.filter(channel="email")
    assert (email.status, email.kind) == (MessageStatus.PENDING, "alert")
    assert "smtp down" in email.last_error
    monkeypatch.undo()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        messages_dispatch()

    email.refresh_from_db()
    assert email.status == MessageStatus.SENT
    assert len(mail.outbox) == 1
    assert notification_services.notifications_send() == 0


def test_the_sweep_command(person, center, duty_at_t0, supervisor):
    from io import StringIO

    from django.core.management import call_command

    _raise_at(person, center, T0)
    out = StringIO()
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        call_command("cases_sweep", stdout=out)
        call_command("cases_sweep", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("alerts escalated: 1") and lines[1].startswith("alerts escalated: 0")
