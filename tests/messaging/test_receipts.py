"""Provider status reports update the message row: the documented callback bodies, posted as the provider does."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from centers.messaging.models import MessageStatus, OutboundMessage
from centers.messaging.receipts import message_receipt_record

pytestmark = pytest.mark.django_db

ALIYUN_URL = "/messages/receipts/aliyun/"
TENCENT_URL = "/messages/receipts/tencent/"
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def tokens(settings):
    settings.FUCHENG_SMS_ALIYUN_RECEIPT_TOKEN = "aliyun-callback-secret"
    settings.FUCHENG_SMS_TENCENT_RECEIPT_TOKEN = "tencent-callback-secret"


def message(**fields) -> OutboundMessage:
    values = {
        "kind": "reminder",
        "channel": "sms",
        "address": "13800138000",
        "text": "阜城社区服务中心：您的预约在明天14:00。",
        "idempotency_key": "reminder:appointment:41:day-before",
        "status": MessageStatus.SENT,
        "provider": "aliyun",
        "provider_message_id": "900619746936498440^0",
        "sent_at": timezone.now(),
        "attempts": 1,
    }
    values.update(fields)
    return OutboundMessage.objects.create(**values)


def aliyun_report(**fields) -> list[dict[str, object]]:
    report = {
        "phone_number": "13800138000",
        "send_time": "2026-12-07 14:00:00",
        "report_time": "2026-12-07 14:00:05",
        "success": True,
        "err_code": "DELIVERED",
        "err_msg": "用户接收成功",
        "sms_size": "1",
        "biz_id": "900619746936498440^0",
        "out_id": "reminder:appointment:41:day-before",
    }
    report.update(fields)
    return [report]


def tencent_report(**fields) -> list[dict[str, object]]:
    report = {
        "user_receive_time": "2026-12-07 14:00:05",
        "nationcode": "86",
        "mobile": "13800138000",
        "report_status": "SUCCESS",
        "errmsg": "DELIVRD",
        "description": "用户短信送达成功",
        "sid": "2433:00000001",
    }
    report.update(fields)
    return [report]


def post(client, url, body, token):
    return client.post(f"{url}?token={token}", data=json.dumps(body), content_type="application/json")


def test_an_aliyun_delivery_report_marks_the_message_delivered(client, tokens):
    row = message()

    response = post(client, ALIYUN_URL, aliyun_report(), "aliyun-callback-secret")

    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "接收成功"}
    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED
    assert row.delivered_at == datetime(2026, 12, 7, 14, 0, 5, tzinfo=BEIJING)


def test_an_aliyun_failure_report_marks_the_message_failed_with_the_providers_reason(client, tokens):
    row = message()

    post(client, ALIYUN_URL, aliyun_report(success=False, err_code="MK:0001", err_msg="停机"), "aliyun-callback-secret")

    row.refresh_from_db()
    assert row.status == MessageStatus.FAILED
    assert row.last_error == "aliyun: MK:0001 停机"
    assert row.failed_at is not None


def test_a_report_for_a_message_whose_answer_was_lost_finds_it_by_the_idempotency_key(client, tokens):
    row = message(status=MessageStatus.UNCERTAIN, provider="", provider_message_id="", sent_at=None)

    post(client, ALIYUN_URL, aliyun_report(biz_id="900619746936498441^0"), "aliyun-callback-secret")

    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED
    assert row.provider == "aliyun"
    assert row.provider_message_id == "900619746936498441^0"


def test_a_tencent_delivery_report_marks_the_message_delivered(client, tokens):
    row = message(provider="tencent", provider_message_id="2433:00000001")

    response = post(client, TENCENT_URL, tencent_report(), "tencent-callback-secret")

    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED


def test_a_tencent_failure_report_marks_the_message_failed(client, tokens):
    row = message(provider="tencent", provider_message_id="2433:00000001")

    post(
        client,
        TENCENT_URL,
        tencent_report(report_status="FAIL", errmsg="MK:0005", description="空号"),
        "tencent-callback-secret",
    )

    row.refresh_from_db()
    assert row.status == MessageStatus.FAILED
    assert row.last_error == "tencent: MK:0005 空号"


def test_a_report_for_an_unknown_message_is_acknowledged_and_changes_nothing(client, tokens, caplog):
    row = message()

    response = post(client, TENCENT_URL, tencent_report(sid="2433:99999999"), "tencent-callback-secret")

    assert response.json() == {"result": 0, "errmsg": "OK"}
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT
    assert "unknown message" in caplog.text


def test_the_same_report_twice_changes_the_row_once(client, tokens):
    row = message()
    post(client, ALIYUN_URL, aliyun_report(), "aliyun-callback-secret")
    row.refresh_from_db()
    first = (row.status, row.delivered_at)

    post(client, ALIYUN_URL, aliyun_report(report_time="2026-12-07 15:00:00"), "aliyun-callback-secret")

    row.refresh_from_db()
    assert (row.status, row.delivered_at) == first


def test_a_late_failure_does_not_undo_a_delivery():
    row = message(status=MessageStatus.DELIVERED, delivered_at=timezone.now())

    message_receipt_record(provider="aliyun", delivered=False, provider_message_id=row.provider_message_id, error="X")

    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED
    assert row.last_error == ""


@pytest.mark.parametrize(("url", "body"), [(ALIYUN_URL, aliyun_report()), (TENCENT_URL, tencent_report())])
@pytest.mark.parametrize("token", ["wrong-secret", ""])
def test_a_callback_without_the_secret_is_refused_and_shows_nothing(client, tokens, url, body, token):
    row = message(provider_message_id=body[0].get("biz_id") or body[0]["sid"])

    response = post(client, url, body, token)

    assert response.status_code == 403
    assert response.content == b""
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT


def test_without_a_configured_secret_every_callback_is_refused(client, settings):
    settings.FUCHENG_SMS_ALIYUN_RECEIPT_TOKEN = ""
    message()

    response = post(client, ALIYUN_URL, aliyun_report(), "")

    assert response.status_code == 403


def test_a_body_that_is_not_a_report_is_refused_in_the_providers_format(client, tokens):
    response = client.post(f"{ALIYUN_URL}?token=aliyun-callback-secret", data="<html>", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] != 0


def test_a_get_is_not_allowed(client, tokens):
    assert client.get(f"{TENCENT_URL}?token=tencent-callback-secret").status_code == 405


def test_the_provider_posts_without_a_csrf_token(tokens):
    row = message()

    response = post(Client(enforce_csrf_checks=True), ALIYUN_URL, aliyun_report(), "aliyun-callback-secret")

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == MessageStatus.DELIVERED
