"""The demo: a night-shift counselor, a conversation waiting (alerting the team after 10 minutes), and a
past conversation the demo resident can read."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.alerts.models import Notification
from cases.consult import services
from cases.consult.models import Conversation, ConversationStatus
from centers.models import DutyShift, User

pytestmark = pytest.mark.django_db


def test_seed_consult_is_idempotent_and_sets_up_the_night_demo():
    call_command("seed_demo", quiet_logins=True, verbosity=0)
    counts = (Conversation.objects.count(), DutyShift.objects.count())
    call_command("seed_consult", verbosity=0)
    assert (Conversation.objects.count(), DutyShift.objects.count()) == counts

    night = User.objects.get(email="night@demo.fucheng.cn")
    shift = DutyShift.objects.filter(user=night).order_by("starts_at").last()
    assert timezone.localtime(shift.starts_at).hour == 23 and timezone.localtime(shift.ends_at).hour == 7
    assert night.authenticator_set.exists()  # the demo second factor, like every demo staff account

    waiting = Conversation.objects.get(status=ConversationStatus.WAITING)
    past = Conversation.objects.get(status=ConversationStatus.CLOSED)
    assert past.resident.user.email == "resident@demo.fucheng.cn" and past.counselor == night
    assert timezone.localtime(past.created_at).hour == 3
    assert services.conversations_alert_due(now=waiting.waiting_since + dt.timedelta(minutes=10)) == 1
    assert Notification.objects.filter(conversation=waiting, level=1).exists()
