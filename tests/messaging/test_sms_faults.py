"""Fault tests through the outbox: the real dispatcher, the real Alibaba Cloud SDK, a local provider stand-in."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.utils import timezone

from centers.messaging import services
from centers.messaging.models import MessageStatus, OutboundMessage
from tests.factories import CenterFactory, UserFactory
from tests.messaging.sms_servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_settings(sms_settings):
    channels = dict(getattr(sms_settings, "FUCHENG_MESSAGE_CHANNELS", {}))
    channels["sms"] = "centers.messaging.sms_aliyun.AliyunSMSChannel"
    sms_settings.FUCHENG_MESSAGE_CHANNELS = channels
    sms_settings.FUCHENG_MESSAGE_MAX_ATTEMPTS = 3
    sms_settings.FUCHENG_MESSAGE_RETRY_SECONDS = 0
    sms_settings.FUCHENG_SMS_ALIYUN_RECEIPT_TOKEN = "aliyun-callback-secret"
    sms_settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    return sms_settings


def queue_alert(key: str) -> OutboundMessage:
    center = CenterFactory(sms_signature="阜城社区服务中心")
    user = UserFactory(phone="13800138000")
    return services.message_queue(
        kind="alert",
        channel="sms",
        address=user.phone,
        text="阜城社区服务中心：有一位居民需要您尽快联系。",
        key=key,
        center=center,
        user=user,
        template="alert",
        params={"code": "A1"},
        priority=0,
    )


def dispatch_until_settled(rounds: int = 6) -> None:
    """Run the dispatcher as the beat would, with every backoff already over."""
    for _ in range(rounds):
        OutboundMessage.objects.filter(status__in=["pending", "uncertain"]).update(next_attempt_at=timezone.now())
        services.messages_dispatch()


def test_provider_down_bounded_retries_then_failure_shows_and_the_fallback_is_used(outbox_settings):
    outbox_settings.FUCHENG_SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    outbox_settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID = "id"
    outbox_settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"
    row = queue_alert("alert:fault:down")

    dispatch_until_settled()

    row.refresh_from_db()
    assert row.status == MessageStatus.FAILED
    assert row.attempts == 3
    assert "aliyun: provider unreachable" in row.last_error
    fallback = OutboundMessage.objects.get(fallback_of=row)
    assert fallback.channel != "sms"


def test_a_provider_that_accepts_and_then_times_out_reaches_the_person_once(outbox_settings, aliyun, client):
    aliyun.state.mode = "slow"
    row = queue_alert("alert:fault:slow")

    services.messages_dispatch()
    row.refresh_from_db()
    assert row.status == MessageStatus.UNCERTAIN
    [accepted] = aliyun.state.accepted
    # The provider's status report names the idempotency key it was given as OutId.
    report = [
        {
            "phone_number": "13800138000",
            "send_time": "2026-12-07 14:00:00",
            "report_time": "2026-12-07 14:00:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": "000001^0",
            "out_id": accepted["OutId"],
        }
    ]
    client.post(
        "/messages/receipts/aliyun/?token=aliyun-callback-secret",
        data=json.dumps(report),
        content_type="application/json",
    )
    aliyun.state.mode = "ok"

    dispatch_until_settled()

    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED
    assert len(aliyun.state.accepted) == 1
    assert not OutboundMessage.objects.filter(fallback_of=row).exists()
    assert mail.outbox == []
