"""A worker killed in the middle of sending an alert: nothing is sent twice, and the person is still reached.

The kill is real: a separate Python process runs `cases.services.notifications_send` against the test
database, which hands the alert's email and SMS to the outbox and dispatches them; it SIGKILLs itself inside
the SMS channel's send, exactly what the OOM killer or `kill -9` on a Celery worker does. The outbox cannot know
whether that SMS left (the row says it was being handed over), so, as after a provider timeout, it never sends
it again on that channel: once the dead worker's claim runs out it waits for a receipt and is then counted sent
"(no receipt)". The email, sent before the kill or by the next sweep, carries the alert once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from cases import tasks
from cases.alerts.models import Notification
from cases.models import Channel
from cases.services import intake
from centers.messaging.models import MessageStatus, OutboundMessage
from centers.models import DutyShift, Role, ShiftKind
from centers.notify import LocmemSMSBackend
from tests.faults.conftest import db_url_for_subprocess, subprocess_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

WORKER = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from django.conf import settings
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    from centers.messaging import backends

    def die(self, message):
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-send

    backends.SMSBackendChannel.send = die
    from cases.services import intake
    from cases.services import notifications
    notifications.notifications_send()
    """
)


def test_a_worker_killed_mid_send_leaves_the_rest_to_the_next_sweep(make_staff, center, resident, settings):
    duty = make_staff(Role.COUNSELOR, email="duty@example.cn", phone="13700000001")
    now = timezone.now()
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=duty,
        starts_at=now - timezone.timedelta(hours=1),
        ends_at=now + timezone.timedelta(hours=8),
        is_crisis_team=True,
    )
    case, _ = intake.case_intake(
        resident=resident, center=center, channel=Channel.HELP_NOW, source="", actor=resident.user
    )
    alert = case.alerts.get()
    assert Notification.objects.filter(alert=alert, sent_at__isnull=True).count() == 2

    worker = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WORKER],
        env=subprocess_env(
            DATABASE_URL=db_url_for_subprocess(),
            DJANGO_SETTINGS_MODULE="fucheng.settings",
            FUCHENG_MESSAGE_CLAIM_SECONDS="1",
        ),
        capture_output=True,
        timeout=120,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()[-2000:]

    sms = OutboundMessage.objects.get(channel="sms", user=duty)
    assert sms.status == MessageStatus.SENDING, "the dead worker had claimed the SMS"
    assert Notification.objects.filter(alert=alert, sent_at__isnull=True).count() == 0, "both were handed over"

    settings.FUCHENG_MESSAGE_CLAIM_SECONDS = 1
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5), tick=False):
        tasks.sweep()  # the next sweep: the dead worker's claim has run out
        tasks.sweep()  # and a second one finds nothing more

    sms.refresh_from_db()
    assert sms.handed_at is not None and sms.attempts == 1
    assert sms.status == MessageStatus.UNCERTAIN, "it may have left: never sent a second time"
    assert LocmemSMSBackend.outbox == [], "not sent again here"
    # The email went either in the killed worker (a memory outbox there) or here; never twice.
    assert OutboundMessage.objects.get(channel="email", user=duty).status == MessageStatus.SENT
    assert len(mail.outbox) <= 1
