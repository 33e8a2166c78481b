"""The outbox dispatcher sends without the broker and never twice; sweeps record their runs; /healthz names a
late sweep; a stopped crisis sweep is told to the supervisors and the escalation contact once, and its return."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from cases import tasks
from cases.alerts.models import Notification
from cases.services import alerts, dispatch, intake
from cases.services.dispatch import crisis_sweep_watch, outbox_dispatch
from centers.models import Role
from centers.sweeps.models import SweepRun
from fucheng.celery import app as celery_app

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def broker_down(monkeypatch):
    """Redis unreachable: any use of the broker fails (the dispatcher must not need it)."""

    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(celery_app, "connection_for_write", refuse)
    monkeypatch.setattr(celery_app, "send_task", refuse)


def _help_now(resident, phone):
    return intake.help_now_request(actor=resident.user, phone=phone, resident=resident)


@pytest.fixture
def second_resident(center, station):
    from tests.factories import ResidentFactory, UserFactory

    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="赵一帆", phone="13955556666")


def test_the_dispatcher_sends_a_help_now_alert_with_the_broker_down_and_only_once(
    resident, second_resident, on_duty, sms_outbox, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the Celery path fails: the broker is down
        _help_now(resident, "13812341234")
        _help_now(second_resident, "13955556666")
    unsent = Notification.objects.filter(sent_at__isnull=True).exclude(channel="workspace")
    assert unsent.filter(user=on_duty).count() == 4  # email and SMS for each request

    call_command("dispatch_outbox", "--once")
    assert not unsent.exists()
    assert [m.to for m in mail.outbox] == [["duty-counselor@example.cn"]] * 2
    assert [m["phone"] for m in sms_outbox] == ["13700000001"] * 2

    # the sweep, a second dispatcher pass and the Celery task all find nothing left to send
    assert tasks.sweep()["sent"] == 0
    assert outbox_dispatch()["notifications_sent"] == 0
    assert tasks.alert_dispatch(Notification.objects.filter(alert__isnull=False).first().alert_id) == 0
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2


def test_the_dispatcher_sends_due_appointment_messages_once(resident, broker_down):
    from appointments.models import Reminder, ReminderKind, ReminderStatus
    from tests.appointments.factories import AppointmentFactory, SlotFactory

    appointment = AppointmentFactory(slot=SlotFactory(center=resident.center), resident=resident)
    Reminder.objects.create(
        appointment=appointment, kind=ReminderKind.CONFIRMATION, channel="email", due_at=dt.datetime.now(dt.UTC)
    )
    assert outbox_dispatch()["reminders_sent"] == 1
    assert outbox_dispatch()["reminders_sent"] == 0
    assert Reminder.objects.get(appointment=appointment).status == ReminderStatus.SENT
    assert [m.to for m in mail.outbox] == [[resident.user.email]]


def test_a_pass_goes_on_when_one_step_fails(monkeypatch, resident, on_duty):
    _help_now(resident, "13812341234")

    def broken(**kwargs):
        raise RuntimeError("appointments table locked")

    monkeypatch.setattr(dispatch, "STEPS", (("reminders_sent", broken), *dispatch.STEPS[:2]))
    result = outbox_dispatch()
    assert result["reminders_sent"] == "failed" and result["notifications_sent"] == 2


# --- sweeps record their runs; /healthz names a late one ----------------------------------------------


def test_every_sweep_records_its_run_and_healthz_names_a_late_one(client):
    with time_machine.travel(T0, tick=False):
        tasks.sweep()
        tasks.weekly_series()
    runs = {run.name: run for run in SweepRun.objects.all()}
    assert runs["cases.sweep"].last_run_at == T0 and runs["cases.sweep"].interval_seconds == 60
    assert runs["cases.weekly_series"].interval_seconds is None  # on a calendar: not judged

    with time_machine.travel(T0 + dt.timedelta(seconds=119), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 200 and response.json()["sweeps"] == "ok"
    with time_machine.travel(T0 + dt.timedelta(seconds=121), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "ok",
        "sweeps": "late: cases.sweep",
    }
    with time_machine.travel(T0 + dt.timedelta(seconds=150), tick=False):
        tasks.sweep()
        assert client.get("/healthz").status_code == 200


def test_a_dispatch_queued_after_a_commit_is_not_a_run_of_the_beat_sweep():
    """A busy portal dispatches after every commit: that must not hide a stopped scheduler from /healthz."""
    from centers.messaging import tasks as messaging_tasks

    messaging_tasks.messages_dispatch_now_task()
    assert not SweepRun.objects.filter(name="centers.messaging.dispatch").exists()
    messaging_tasks.messages_dispatch_task()
    assert SweepRun.objects.get(name="centers.messaging.dispatch").interval_seconds == 60


def test_a_sweep_that_raised_has_not_run(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(alerts, "alerts_escalate_due", broken)
    with pytest.raises(RuntimeError):
        tasks.sweep()
    assert not SweepRun.objects.filter(name="cases.sweep").exists()


# --- the dispatcher tells people when the crisis sweep stops --------------------------------------------


@pytest.fixture
def second_supervisor(make_staff):
    return make_staff(Role.SUPERVISOR, display_name="陈督导", email="supervisor2@example.cn", phone="13700000003")


def _mails(subject: str) -> list:
    return [m for m in mail.outbox if m.subject == subject]


def _told(subject_start: str):
    return Notification.objects.filter(subject__startswith=subject_start)


def test_a_stopped_crisis_sweep_is_told_once_per_outage_and_again_when_it_is_back(
    center, supervisor, second_supervisor, on_duty, sms_outbox
):
    with time_machine.travel(T0, tick=False):
        tasks.sweep()
    with time_machine.travel(T0 + dt.timedelta(minutes=4, seconds=59), tick=False):
        assert crisis_sweep_watch() == ""
    with time_machine.travel(T0 + dt.timedelta(minutes=5, seconds=5), tick=False):
        assert outbox_dispatch()["sweep_watch"] == "stopped"
    stopped = _told("The crisis sweep has stopped") | _told("危机巡检已停止")
    addresses = set(stopped.values_list("channel", "address"))
    assert addresses == {
        ("workspace", f"user:{supervisor.pk}"),
        ("workspace", f"user:{second_supervisor.pk}"),
        ("email", "supervisor@example.cn"),
        ("email", "supervisor2@example.cn"),
        ("sms", "13700000002"),
        ("sms", "13700000003"),
        ("email", "duty@example.cn"),
        ("sms", "13900000110"),
    }
    # sent in the same pass, without the broker
    assert sorted(m.to[0] for m in _mails("危机巡检已停止")) == [
        "duty@example.cn",
        "supervisor2@example.cn",
        "supervisor@example.cn",
    ]
    assert sorted(m["phone"] for m in sms_outbox if "危机巡检已停止" in m["text"]) == [
        "13700000002",
        "13700000003",
        "13900000110",
    ]

    # twenty more minutes of outage: nobody is told again
    for minutes in (6, 10, 25):
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            assert outbox_dispatch()["sweep_watch"] == ""
    assert stopped.count() == 8 and len(_mails("危机巡检已停止")) == 3

    # beat is back: told once that it runs again
    with time_machine.travel(T0 + dt.timedelta(minutes=26), tick=False):
        tasks.sweep()
        assert outbox_dispatch()["sweep_watch"] == "back"
        assert outbox_dispatch()["sweep_watch"] == ""
    back = _told("The crisis sweep is running again") | _told("危机巡检已恢复运行")
    assert back.count() == 8
    assert len(_mails("危机巡检已恢复运行")) == 3

    # a second outage is a new one: told again
    with time_machine.travel(T0 + dt.timedelta(minutes=40), tick=False):
        assert crisis_sweep_watch() == "stopped"
    assert stopped.count() == 16


def test_the_stopped_message_is_in_chinese_and_says_when_it_last_ran(center, supervisor):
    with time_machine.travel(T0, tick=False):
        tasks.sweep()
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        crisis_sweep_watch()
    row = Notification.objects.get(channel="email", address="supervisor@example.cn", key__startswith="sweep-stopped")
    assert row.subject == "危机巡检已停止"
    assert "2026-03-02 17:00" in row.text  # Beijing time of the last run


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database has no row locks")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_three_dispatchers_and_the_sweep_at_once_send_each_message_once(
    resident, second_resident, on_duty, sms_outbox
):
    _help_now(resident, "13812341234")
    _help_now(second_resident, "13955556666")
    mail.outbox.clear()
    sms_outbox.clear()
    barrier = threading.Barrier(4)
    errors: list = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in (outbox_dispatch,) * 3 + (tasks.sweep,)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(m.to[0] for m in mail.outbox) == ["duty-counselor@example.cn"] * 2
    assert sorted(m["phone"] for m in sms_outbox) == ["13700000001"] * 2
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
