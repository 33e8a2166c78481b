"""The outbox (centers.messaging.services): one row per message, one sweep that sends, bounded retries with a
backoff, a message sent once even when the provider does not answer, crisis messages falling through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from centers.messaging import services
from centers.messaging.channels import ChannelError, DeliveryUncertain, Outgoing, SendResult
from centers.messaging.models import MessageStatus, OutboundMessage
from centers.messaging.receipts import message_receipt_record
from centers.notify import LocmemSMSBackend
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


class ScriptedSMS:
    """An SMS channel whose answers the test writes: each send takes the next step of `script`."""

    name = "sms"
    script: list[Callable[[Outgoing], SendResult]] = []
    sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        step = self.script.pop(0) if self.script else ok
        return step(message)


def ok(message: Outgoing) -> SendResult:
    return SendResult(provider="scripted", provider_message_id=f"biz-{message.message_id}")


def down(message: Outgoing) -> SendResult:
    raise ChannelError("scripted: provider unreachable")


def wrong_number(message: Outgoing) -> SendResult:
    raise ChannelError("scripted: isv.MOBILE_NUMBER_ILLEGAL", retryable=False)


def no_answer(message: Outgoing) -> SendResult:
    raise DeliveryUncertain("scripted: read timeout after sending")


@pytest.fixture
def outbox(settings):
    settings.FUCHENG_MESSAGE_CHANNELS = {
        "sms": f"{__name__}.ScriptedSMS",
        "email": "centers.messaging.backends.EmailChannel",
    }
    settings.FUCHENG_MESSAGE_MAX_ATTEMPTS = 3
    settings.FUCHENG_MESSAGE_RETRY_SECONDS = 60
    settings.FUCHENG_MESSAGE_RECEIPT_WAIT_SECONDS = 600
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    ScriptedSMS.script, ScriptedSMS.sent = [], []
    return settings


@pytest.fixture
def person():
    return UserFactory(phone="13800138000", email="duty@example.cn")


def queue(person, *, kind: str = "alert", key: str = "alert:1", channel: str = "sms", address: str | None = None):
    return services.message_queue(
        kind=kind,
        channel=channel,
        address=person.phone if address is None else address,
        text="有一位居民需要您尽快联系。",
        subject="需要联系",
        key=key,
        center=CenterFactory(sms_signature="阜城社区服务中心"),
        user=person,
    )


def later(minutes: float) -> time_machine.travel:
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_a_message_is_one_row_however_often_it_is_queued_and_goes_out_once_signed(outbox, person):
    outbox.FUCHENG_MESSAGE_CHANNELS["sms"] = "centers.messaging.backends.SMSBackendChannel"
    outbox.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    first = queue(person)
    again = queue(person)

    services.messages_dispatch()
    services.messages_dispatch()

    assert again.pk == first.pk and OutboundMessage.objects.count() == 1
    assert LocmemSMSBackend.outbox == [
        {"phone": "13800138000", "text": "【阜城社区服务中心】有一位居民需要您尽快联系。"}
    ]
    first.refresh_from_db()
    assert (first.status, first.attempts) == (MessageStatus.SENT, 1)
    assert first.sent_at is not None


def test_a_message_of_a_transaction_that_rolls_back_is_never_sent(outbox, person):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(person)
        raise RuntimeError("the alert could not be written")

    services.messages_dispatch()

    assert OutboundMessage.objects.count() == 0 and ScriptedSMS.sent == []


def test_a_provider_that_is_down_is_retried_with_a_doubling_wait_then_the_failure_shows(outbox, person):
    ScriptedSMS.script = [down, down, down]
    row = queue(person, kind="reminder", key="reminder:1")

    services.messages_dispatch()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 1)
    first_wait = row.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=55) < first_wait <= dt.timedelta(seconds=60)
    services.messages_dispatch()  # not due yet: nothing is sent
    assert len(ScriptedSMS.sent) == 1

    with later(1.5):
        services.messages_dispatch()
        row.refresh_from_db()
        assert row.next_attempt_at - timezone.now() == dt.timedelta(seconds=120)
    with later(4):
        services.messages_dispatch()
    with later(60):
        services.messages_dispatch()

    row.refresh_from_db()
    assert (row.status, row.attempts, len(ScriptedSMS.sent)) == (MessageStatus.FAILED, 3, 3)
    assert row.last_error == "scripted: provider unreachable"
    # A reminder is not a crisis message: it does not fall through, and the console lists it.
    assert not OutboundMessage.objects.filter(fallback_of=row).exists()
    assert services.messages_needing_attention(center_ids=[row.center_id], since=row.created_at) == [row]


def test_a_crisis_message_refused_for_good_falls_through_to_the_next_channel_at_once(outbox, person):
    ScriptedSMS.script = [wrong_number]
    row = queue(person)

    services.messages_dispatch()
    services.messages_dispatch()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 1)
    fallback = OutboundMessage.objects.get(fallback_of=row)
    assert (fallback.channel, fallback.address, fallback.status) == ("email", "duty@example.cn", MessageStatus.SENT)
    [email] = mail.outbox
    assert email.to == ["duty@example.cn"] and email.subject == "需要联系"
    # The mail carries its outbox key: a mail log can be matched to the row, and a twin would show.
    assert email.extra_headers == {"X-Fucheng-Message": fallback.idempotency_key}
    assert f"X-Fucheng-Message: {fallback.idempotency_key}" in email.message().as_string()


def test_a_person_with_no_address_is_shown_and_a_crisis_message_tries_their_next_channel(outbox, person):
    row = queue(person, address="")

    assert (row.status, row.last_error) == (MessageStatus.NO_ADDRESS, "sms: no usable address")
    assert services.messages_needing_attention(center_ids=[row.center_id], since=row.created_at) == [row]
    assert OutboundMessage.objects.get(fallback_of=row).channel == "email"


def test_a_message_without_an_answer_is_not_sent_again_and_the_receipt_settles_it(outbox, person):
    ScriptedSMS.script = [no_answer]
    row = queue(person)

    services.messages_dispatch()
    row.refresh_from_db()
    assert row.status == MessageStatus.UNCERTAIN
    message_receipt_record(provider="scripted", delivered=True, idempotency_key=row.idempotency_key)
    with later(30):
        services.messages_dispatch()

    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED
    assert len(ScriptedSMS.sent) == 1
    assert not OutboundMessage.objects.filter(fallback_of=row).exists()


def test_with_no_receipt_an_unanswered_crisis_message_counts_as_sent_once_and_goes_to_the_next_channel(outbox, person):
    ScriptedSMS.script = [no_answer]
    row = queue(person)
    services.messages_dispatch()

    with later(5):
        services.messages_dispatch()
        row.refresh_from_db()
        assert row.status == MessageStatus.UNCERTAIN  # still waiting for the receipt
    with later(11):
        services.messages_dispatch()

    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.last_error.endswith("(no receipt)")
    assert len(ScriptedSMS.sent) == 1
    assert OutboundMessage.objects.get(fallback_of=row).channel == "email"


def test_a_message_left_by_a_dispatcher_that_died_before_handing_it_over_is_sent_once_its_claim_runs_out(
    outbox, person
):
    row = queue(person, kind="reminder", key="reminder:2")
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=MessageStatus.SENDING, attempts=1, claimed_until=timezone.now() + dt.timedelta(minutes=2)
    )
    services.messages_dispatch()
    assert ScriptedSMS.sent == []  # its claim still runs

    with later(3):
        services.messages_dispatch()
        services.messages_dispatch()

    row.refresh_from_db()
    assert (row.status, row.attempts, len(ScriptedSMS.sent)) == (MessageStatus.SENT, 2, 1)


def test_a_message_whose_dispatcher_died_while_handing_it_over_is_never_sent_twice(outbox, person):
    """It may have left (kill -9 during the provider's call): as after a timeout, a receipt settles it."""
    row = queue(person, kind="reminder", key="reminder:4")
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=MessageStatus.SENDING,
        attempts=1,
        claimed_until=timezone.now() + dt.timedelta(minutes=2),
        handed_at=timezone.now(),
    )
    with later(3):
        services.messages_dispatch()
        services.messages_dispatch()
    row.refresh_from_db()
    assert row.status == MessageStatus.UNCERTAIN and "stopped while sending" in row.last_error
    assert ScriptedSMS.sent == []

    with later(20):  # no receipt within the wait: counted sent, never sent again
        services.messages_dispatch()
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.last_error.endswith("(no receipt)")
    assert ScriptedSMS.sent == []


def test_crisis_messages_go_before_older_ones(outbox, person):
    reminder = queue(person, kind="reminder", key="reminder:3")
    with later(1):
        alert = queue(person, key="alert:3")
        services.messages_dispatch(limit=1)

    assert [m.message_id for m in ScriptedSMS.sent] == [alert.pk]
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.PENDING


def test_the_dispatcher_never_sends_inside_a_transaction(outbox, person):
    queue(person)
    with pytest.raises(RuntimeError, match="outside any database transaction"), transaction.atomic():
        services.messages_dispatch()
    assert ScriptedSMS.sent == []


def test_an_email_or_an_sms_that_bypasses_the_outbox_fails(outbox):
    """The guard every test runs under (tests/conftest.py): only the dispatcher may hand a message to a backend."""
    outbox.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    LocmemSMSBackend.outbox.clear()
    with pytest.raises(AssertionError, match="bypassed the outbox"):
        send_mail("直接发送", "不经过发件箱", "noreply@fucheng.example", ["someone@example.cn"])
    with pytest.raises(AssertionError, match="bypassed the outbox"):
        LocmemSMSBackend().send(phone="13800138000", text="不经过发件箱")
    assert mail.outbox == [] and LocmemSMSBackend.outbox == []


def test_settled_messages_are_deleted_after_the_keeping_time_and_waiting_ones_never(outbox, person):
    old_sent = queue(person, kind="reminder", key="reminder:old")
    services.messages_dispatch()
    old_waiting = queue(person, kind="reminder", key="reminder:waiting")
    OutboundMessage.objects.update(created_at=timezone.now() - dt.timedelta(days=91))
    recent = queue(person, kind="reminder", key="reminder:new")

    assert services.messages_purge() == 1

    assert set(OutboundMessage.objects.values_list("pk", flat=True)) == {old_waiting.pk, recent.pk}
    assert not OutboundMessage.objects.filter(pk=old_sent.pk).exists()
