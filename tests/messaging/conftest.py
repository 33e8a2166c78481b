"""SMS provider stand-ins and the settings that point the adapters at them."""

from __future__ import annotations

import pytest

from centers.messaging.channels import Outgoing
from tests.messaging.sms_servers import AliyunHandler, ProviderServer, ProviderState, TencentHandler

ALIYUN_KEY_ID = "LTAI-test-key-id"
ALIYUN_SECRET = "aliyun-test-secret"
TENCENT_SECRET_ID = "AKID-test-secret-id"
TENCENT_SECRET_KEY = "tencent-test-secret-key"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Both SDKs take a proxy from the environment; the stand-ins are local."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sms_settings(settings):
    settings.FUCHENG_SMS_TEMPLATES = {"reminder": "SMS_100001", "sign_in_code": "SMS_100002", "alert": "SMS_100003"}
    settings.FUCHENG_SMS_TENCENT_TEMPLATE_PARAMS = {"reminder": ["place", "time"], "sign_in_code": ["code"]}
    settings.FUCHENG_SMS_CONNECT_TIMEOUT = 1
    settings.FUCHENG_SMS_READ_TIMEOUT = 0.5
    return settings


@pytest.fixture
def aliyun(sms_settings):
    state = ProviderState(key_id=ALIYUN_KEY_ID, secret=ALIYUN_SECRET)
    with ProviderServer(AliyunHandler, state) as server:
        sms_settings.FUCHENG_SMS_ALIYUN_ENDPOINT = server.url
        sms_settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID = ALIYUN_KEY_ID
        sms_settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_SECRET
        yield server


@pytest.fixture
def tencent(sms_settings):
    state = ProviderState(key_id=TENCENT_SECRET_ID, secret=TENCENT_SECRET_KEY)
    with ProviderServer(TencentHandler, state) as server:
        sms_settings.FUCHENG_SMS_TENCENT_ENDPOINT = server.url
        sms_settings.FUCHENG_SMS_TENCENT_SECRET_ID = TENCENT_SECRET_ID
        sms_settings.FUCHENG_SMS_TENCENT_SECRET_KEY = TENCENT_SECRET_KEY
        sms_settings.FUCHENG_SMS_TENCENT_SDK_APP_ID = "1400000001"
        yield server


def outgoing(**overrides) -> Outgoing:
    values = {
        "message_id": 7,
        "idempotency_key": "reminder:appointment:41:day-before",
        "kind": "reminder",
        "address": "13800138000",
        "subject": "",
        "text": "阜城社区服务中心：您预约的东站 周二14:00，请准时到达。",
        "template": "reminder",
        "params": {"place": "东站", "time": "14:00"},
        "signature": "阜城社区服务中心",
    }
    values.update(overrides)
    return Outgoing(**values)
