"""SMS through Alibaba Cloud (dysmsapi 2017-05-25 SendSms) with its official SDK.

The SDK signs with ACS3-HMAC-SHA256 and sends the parameters in the query string. Its own retries stay off: the
outbox decides about retries. Answers: Code "OK" is accepted (BizId names the message in the status report);
throttling, flow control and server errors may be tried again; a refused number, template, signature or key may not.
"""

from __future__ import annotations

import json
from typing import cast

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import UnretryableException
from django.conf import settings

from centers.messaging.channels import ChannelError, Outgoing, SendResult
from centers.messaging.sms import sms_check_params, sms_endpoint, sms_network_failure, sms_template_id, sms_timeouts

PROVIDER = "aliyun"
# Notification-template variables: 1-35 characters each (verification codes: see centers.messaging.sms).
PARAM_MAX_LENGTH = 35
OUT_ID_MAX_LENGTH = 256
# Codes after which the same request may succeed later; every other refusal is final.
RETRYABLE_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError"})


def aliyun_phone_number(address: str) -> str:
    """Mainland numbers go without a country code; others as country code and number, without "+"."""
    number = address.strip().replace(" ", "").replace("-", "")
    if number.startswith("+86"):
        return number[3:]
    return number.lstrip("+")


def aliyun_code_retryable(code: str) -> bool:
    return code.startswith("Throttling") or code in RETRYABLE_CODES


class AliyunSMSChannel:
    """Channel "sms" through Alibaba Cloud; settings FUCHENG_SMS_ALIYUN_* (see docs/messages.md)."""

    name = "sms"

    def __init__(self) -> None:
        connect, read = sms_timeouts()
        protocol, endpoint = sms_endpoint(settings.FUCHENG_SMS_ALIYUN_ENDPOINT)
        self.param_max_length = int(getattr(settings, "FUCHENG_SMS_ALIYUN_PARAM_MAX_LENGTH", PARAM_MAX_LENGTH))
        config = Config(
            access_key_id=getattr(settings, "FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID", ""),
            access_key_secret=getattr(settings, "FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
            endpoint=endpoint,
            protocol=protocol,
            connect_timeout=int(connect * 1000),
            read_timeout=int(read * 1000),
        )
        self.client = Client(config)

    def request_for(self, message: Outgoing) -> SendSmsRequest:
        """The SendSms request for one message, or a non-retryable ChannelError when it cannot be sent as is."""
        if not message.signature:
            raise ChannelError("no SMS signature for the center", retryable=False)
        if len(message.idempotency_key) > OUT_ID_MAX_LENGTH:
            raise ChannelError("idempotency key longer than OutId allows", retryable=False)
        template_code = sms_template_id(message)
        sms_check_params(message, max_length=self.param_max_length)
        return SendSmsRequest(
            phone_numbers=aliyun_phone_number(message.address),
            sign_name=message.signature,
            template_code=template_code,
            template_param=json.dumps(message.params, ensure_ascii=False) if message.params else None,
            out_id=message.idempotency_key,
        )

    def send(self, message: Outgoing) -> SendResult:
        request = self.request_for(message)
        try:
            response = self.client.send_sms(request)
        except AlibabaCloudException as exc:
            code = str(exc.code or "")
            status = int(exc.status_code or 0)
            raise ChannelError(f"{PROVIDER}: {code}", retryable=status >= 500 or aliyun_code_retryable(code)) from exc
        except UnretryableException as exc:
            raise sms_network_failure(PROVIDER, exc) from exc
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code != "OK":
            raise ChannelError(f"{PROVIDER}: {code or 'no answer code'}", retryable=aliyun_code_retryable(code))
        return SendResult(provider=PROVIDER, provider_message_id=cast(str, body.biz_id or ""))
