"""The Tencent Cloud adapter, through the official SDK, against a local SendSms that checks what it receives."""

from __future__ import annotations

import pytest

from centers.messaging.channels import ChannelError, DeliveryUncertain, SendResult
from centers.messaging.sms_tencent import TencentSMSChannel
from tests.messaging.conftest import outgoing
from tests.messaging.sms_servers import free_port


def test_a_message_is_sent_as_the_registered_template_with_the_centers_signature(tencent):
    result = TencentSMSChannel().send(outgoing())

    assert result == SendResult(provider="tencent", provider_message_id="2433:00000001")
    [params] = tencent.state.accepted
    assert params["PhoneNumberSet"] == ["+8613800138000"]
    assert params["SmsSdkAppId"] == "1400000001"
    assert params["SignName"] == "阜城社区服务中心"
    assert params["TemplateId"] == "SMS_100001"
    assert params["TemplateParamSet"] == ["东站", "14:00"]  # in the order the template numbers them
    assert params["SessionContext"] == "reminder:appointment:41:day-before"


def test_a_wrong_secret_is_refused_by_the_signature_check_and_not_tried_again(tencent, settings):
    settings.FUCHENG_SMS_TENCENT_SECRET_KEY = "not-the-secret"

    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing())

    assert refused.value.retryable is False
    assert tencent.state.rejected == ["AuthFailure.SignatureFailure"]
    assert tencent.state.accepted == []


@pytest.mark.parametrize(
    ("mode", "code"),
    [("throttle", "RequestLimitExceeded"), ("number_throttle", "LimitExceeded.PhoneNumberThirtySecondLimit")],
)
def test_a_request_limit_may_be_tried_again(tencent, mode, code):
    tencent.state.mode = mode

    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing())

    assert refused.value.retryable is True
    assert not isinstance(refused.value, DeliveryUncertain)
    assert code in refused.value.reason


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("bad_template", "FailedOperation.TemplateIncorrectOrUnapproved"),
        ("bad_number", "InvalidParameterValue.IncorrectPhoneNumber"),
    ],
)
def test_an_invalid_template_or_number_is_final(tencent, mode, code):
    tencent.state.mode = mode

    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing())

    assert refused.value.retryable is False
    assert code in refused.value.reason


def test_a_server_error_may_be_tried_again(tencent):
    tencent.state.mode = "http500"

    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing())

    assert refused.value.retryable is True
    assert tencent.state.calls == 1


def test_no_answer_within_the_read_timeout_is_uncertain_not_failed(tencent):
    tencent.state.mode = "slow"

    with pytest.raises(DeliveryUncertain):
        TencentSMSChannel().send(outgoing())

    assert len(tencent.state.accepted) == 1


def test_a_provider_that_is_down_may_be_tried_again(sms_settings):
    sms_settings.FUCHENG_SMS_TENCENT_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    sms_settings.FUCHENG_SMS_TENCENT_SECRET_ID = "id"
    sms_settings.FUCHENG_SMS_TENCENT_SECRET_KEY = "secret"

    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing())

    assert refused.value.retryable is True
    assert not isinstance(refused.value, DeliveryUncertain)
    assert refused.value.reason == "tencent: provider unreachable"


def test_missing_keys_are_a_final_configuration_error(tencent, settings):
    settings.FUCHENG_SMS_TENCENT_SECRET_ID = ""
    settings.FUCHENG_SMS_TENCENT_SECRET_KEY = ""

    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing())

    assert refused.value.retryable is False
    assert tencent.state.accepted == []


def test_a_parameter_longer_than_six_characters_is_refused_before_sending(tencent):
    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing(params={"place": "东城区社区服务站", "time": "14:00"}))

    assert refused.value.retryable is False
    assert tencent.state.calls == 0


def test_a_longer_limit_registered_for_the_account_is_used(tencent, settings):
    settings.FUCHENG_SMS_TENCENT_PARAM_MAX_LENGTH = 12

    TencentSMSChannel().send(outgoing(params={"place": "东城区社区服务站", "time": "14:00"}))

    assert tencent.state.accepted[0]["TemplateParamSet"] == ["东城区社区服务站", "14:00"]


def test_parameters_without_a_registered_order_are_refused(tencent):
    with pytest.raises(ChannelError) as refused:
        TencentSMSChannel().send(outgoing(kind="alert", template="alert", params={"place": "东站"}))

    assert refused.value.retryable is False
    assert tencent.state.calls == 0
