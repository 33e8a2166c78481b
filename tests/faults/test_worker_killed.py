"""A worker killed in the middle of sending an alert: the next sweep sends what was left, nothing twice.

The kill is real: a separate Python process runs `cases.services.notifications_send` against the test
database and SIGKILLs itself inside the SMS send of the first row (after the row was taken, before the
provider was reached) — exactly what the OOM killer or `kill -9` on a Celery worker does. The email
row before it was already sent. Then the next sweep runs here.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from django.core import mail
from django.utils import timezone

from cases import services, tasks
from cases.models import Channel, Notification
from centers.models import DutyShift, Role, ShiftKind
from centers.notify import LocmemSMSBackend

from .conftest import db_url_for_subprocess, subprocess_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

WORKER = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from django.conf import settings
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import centers.notify

    def die(**kwargs):
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-send

    centers.notify.sms_send = die
    from cases import services
    services.notifications_send()
    """
)


def test_a_worker_killed_mid_send_leaves_the_rest_to_the_next_sweep(make_staff, center, resident):
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
    case, _ = services.case_intake(
        resident=resident, center=center, channel=Channel.HELP_NOW, source="", actor=resident.user
    )
    alert = case.alerts.get()
    assert Notification.objects.filter(alert=alert, sent_at__isnull=True).count() == 2

    worker = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WORKER],
        env=subprocess_env(DATABASE_URL=db_url_for_subprocess(), DJANGO_SETTINGS_MODULE="fucheng.settings"),
        capture_output=True,
        timeout=120,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()[-2000:]

    assert tasks.sweep()["sent"] >= 1, "the next sweep picks up what the dead worker left"
    assert tasks.sweep()["sent"] == 0, "and a second sweep finds nothing more"
    assert [m["phone"] for m in LocmemSMSBackend.outbox] == ["13700000001"], "the SMS went exactly once"
    # The email went either in the killed worker (a locmem outbox there) or here; never twice.
    email_row = Notification.objects.get(alert=alert, channel="email")
    assert email_row.sent_at is not None
    assert len(mail.outbox) <= 1
    assert Notification.objects.filter(alert=alert, sent_at__isnull=True).count() == 0
