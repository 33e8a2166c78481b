"""The Alibaba Cloud adapter, through the official SDK, against a local SendSms that checks what it receives."""

from __future__ import annotations

import json

import pytest

from centers.messaging.channels import ChannelError, DeliveryUncertain, SendResult
from centers.messaging.sms_aliyun import AliyunSMSChannel
from tests.messaging.conftest import outgoing
from tests.messaging.sms_servers import free_port


def test_a_message_is_sent_as_the_registered_template_with_the_centers_signature(aliyun):
    result = AliyunSMSChannel().send(outgoing())

    assert result == SendResult(provider="aliyun", provider_message_id="000001^0")
    [params] = aliyun.state.accepted
    assert params["PhoneNumbers"] == "13800138000"
    assert params["SignName"] == "阜城社区服务中心"
    assert params["TemplateCode"] == "SMS_100001"
    assert json.loads(params["TemplateParam"]) == {"place": "东站", "time": "14:00"}
    assert params["OutId"] == "reminder:appointment:41:day-before"


def test_a_mainland_number_written_with_its_country_code_is_sent_without_it(aliyun):
    AliyunSMSChannel().send(outgoing(address="+86 138-0013-8000"))

    assert aliyun.state.accepted[0]["PhoneNumbers"] == "13800138000"


def test_a_wrong_secret_is_refused_by_the_signature_check_and_not_tried_again(aliyun, settings):
    settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing())

    assert refused.value.retryable is False
    assert aliyun.state.rejected == ["SignatureDoesNotMatch"]
    assert aliyun.state.accepted == []


@pytest.mark.parametrize(
    ("mode", "code"), [("throttle", "isv.BUSINESS_LIMIT_CONTROL"), ("api_throttle", "Throttling.User")]
)
def test_flow_control_may_be_tried_again(aliyun, mode, code):
    aliyun.state.mode = mode

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing())

    assert refused.value.retryable is True
    assert not isinstance(refused.value, DeliveryUncertain)
    assert code in refused.value.reason


@pytest.mark.parametrize(
    ("mode", "code"), [("bad_template", "isv.SMS_TEMPLATE_ILLEGAL"), ("bad_number", "isv.MOBILE_NUMBER_ILLEGAL")]
)
def test_an_invalid_template_or_number_is_final(aliyun, mode, code):
    aliyun.state.mode = mode

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing())

    assert refused.value.retryable is False
    assert code in refused.value.reason


def test_a_server_error_may_be_tried_again(aliyun):
    aliyun.state.mode = "http500"

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing())

    assert refused.value.retryable is True
    assert aliyun.state.calls == 1  # the SDK's own retries stay off: the outbox decides


def test_no_answer_within_the_read_timeout_is_uncertain_not_failed(aliyun):
    aliyun.state.mode = "slow"

    with pytest.raises(DeliveryUncertain):
        AliyunSMSChannel().send(outgoing())

    assert len(aliyun.state.accepted) == 1


def test_a_provider_that_is_down_may_be_tried_again(sms_settings):
    sms_settings.FUCHENG_SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    sms_settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID = "id"
    sms_settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing())

    assert refused.value.retryable is True
    assert not isinstance(refused.value, DeliveryUncertain)
    assert refused.value.reason == "aliyun: provider unreachable"


def test_missing_keys_are_a_final_configuration_error(aliyun, settings):
    settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID = ""
    settings.FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET = ""

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing())

    assert refused.value.retryable is False
    assert aliyun.state.accepted == []


def test_a_parameter_longer_than_the_provider_allows_is_refused_before_sending(aliyun):
    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing(params={"place": "长" * 36, "time": "14:00"}))

    assert refused.value.retryable is False
    assert aliyun.state.calls == 0


def test_a_code_longer_than_six_characters_is_refused(aliyun):
    message = outgoing(kind="sign_in_code", template="sign_in_code", params={"code": "1234567"})

    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(message)

    assert refused.value.retryable is False
    assert aliyun.state.calls == 0


def test_a_kind_without_a_registered_template_is_refused(aliyun):
    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing(kind="digest", template="digest"))

    assert refused.value.retryable is False
    assert aliyun.state.calls == 0


def test_a_center_without_a_signature_is_refused(aliyun):
    with pytest.raises(ChannelError) as refused:
        AliyunSMSChannel().send(outgoing(signature=""))

    assert refused.value.retryable is False
    assert aliyun.state.calls == 0
