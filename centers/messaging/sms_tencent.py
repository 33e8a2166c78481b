"""SMS through Tencent Cloud (sms 2021-01-11 SendSms) with its official SDK.

The SDK signs with TC3-HMAC-SHA256 and posts JSON. Template parameters are positional ({1}, {2} ...), so each kind's
parameter names are listed in order in settings.FUCHENG_SMS_TENCENT_TEMPLATE_PARAMS. Answers: a SendStatus with Code
"Ok" is accepted (SerialNo names the message in the status callback); request limits and internal errors may be tried
again; a refused number, template, signature or key may not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from centers.messaging.channels import ChannelError, DeliveryUncertain, Outgoing, SendResult
from centers.messaging.sms import sms_check_params, sms_endpoint, sms_network_failure, sms_template_id, sms_timeouts

PROVIDER = "tencent"
# Non-verification variables: at most 6 characters each unless the approved template allows more.
PARAM_MAX_LENGTH = 6
SESSION_CONTEXT_MAX_BYTES = 512
# Limits that pass within minutes (per-number 30 s / 1 h windows, API frequency) and the provider's own faults.
RETRYABLE_PREFIXES = ("RequestLimitExceeded", "InternalError", "ClientNetworkError", "ServerNetworkError")
RETRYABLE_CODES = frozenset({"LimitExceeded.PhoneNumberThirtySecondLimit", "LimitExceeded.PhoneNumberOneHourLimit"})


def tencent_phone_number(address: str) -> str:
    """E.164, as SendSms requires: mainland numbers get +86."""
    number = address.strip().replace(" ", "").replace("-", "")
    if number.startswith("+"):
        return number
    if number.startswith("86") and len(number) == 13:
        return "+" + number
    return "+86" + number


def tencent_code_retryable(code: str) -> bool:
    return code.startswith(RETRYABLE_PREFIXES) or code in RETRYABLE_CODES


class TencentSMSChannel:
    """Channel "sms" through Tencent Cloud; settings FUCHENG_SMS_TENCENT_* (see docs/messages.md)."""

    name = "sms"

    def __init__(self) -> None:
        connect, read = sms_timeouts()
        scheme, endpoint = sms_endpoint(settings.FUCHENG_SMS_TENCENT_ENDPOINT)
        self.app_id = str(getattr(settings, "FUCHENG_SMS_TENCENT_SDK_APP_ID", ""))
        self.param_max_length = int(getattr(settings, "FUCHENG_SMS_TENCENT_PARAM_MAX_LENGTH", PARAM_MAX_LENGTH))
        self.param_order: Mapping[str, Sequence[str]] = getattr(settings, "FUCHENG_SMS_TENCENT_TEMPLATE_PARAMS", {})
        http = HttpProfile(protocol=scheme, endpoint=endpoint)
        # The SDK hands reqTimeout to requests unchanged, which takes a (connect, read) pair.
        http.reqTimeout = (connect, read)
        self.region = str(getattr(settings, "FUCHENG_SMS_TENCENT_REGION", "ap-guangzhou"))
        self.profile = ClientProfile(httpProfile=http)
        self.client: SmsClient | None = None

    def sms_client(self) -> SmsClient:
        """The SDK client, made on first use: the SDK refuses empty keys, which is a configuration error."""
        if self.client is None:
            try:
                credential = Credential(
                    getattr(settings, "FUCHENG_SMS_TENCENT_SECRET_ID", ""),
                    getattr(settings, "FUCHENG_SMS_TENCENT_SECRET_KEY", ""),
                )
            except TencentCloudSDKException as exc:
                raise ChannelError(f"{PROVIDER}: {exc.get_code()}", retryable=False) from exc
            self.client = SmsClient(credential, self.region, self.profile)
        return self.client

    def template_params(self, message: Outgoing) -> list[str]:
        """The message's parameters in the template's {1}, {2} ... order."""
        if not message.params:
            return []
        name = message.template or message.kind
        order = list(self.param_order.get(name, ()))
        if sorted(order) != sorted(message.params):
            raise ChannelError(f"parameter order for {name!r} does not match its parameters", retryable=False)
        return [message.params[key] for key in order]

    def request_for(self, message: Outgoing) -> SendSmsRequest:
        """The SendSms request for one message, or a non-retryable ChannelError when it cannot be sent as is."""
        if not message.signature:
            raise ChannelError("no SMS signature for the center", retryable=False)
        if len(message.idempotency_key.encode()) > SESSION_CONTEXT_MAX_BYTES:
            raise ChannelError("idempotency key longer than SessionContext allows", retryable=False)
        template_id = sms_template_id(message)
        sms_check_params(message, max_length=self.param_max_length)
        request = SendSmsRequest()
        request.SmsSdkAppId = self.app_id
        request.SignName = message.signature
        request.TemplateId = template_id
        request.TemplateParamSet = self.template_params(message)
        request.PhoneNumberSet = [tencent_phone_number(message.address)]
        request.SessionContext = message.idempotency_key
        return request

    def send(self, message: Outgoing) -> SendResult:
        request = self.request_for(message)
        try:
            response = self.sms_client().SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            if code == "ClientNetworkError":
                raise sms_network_failure(PROVIDER, exc) from exc
            raise ChannelError(f"{PROVIDER}: {code}", retryable=tencent_code_retryable(code)) from exc
        statuses = list(response.SendStatusSet or [])
        if not statuses:
            # An answer without a status for the number: it may or may not have been taken.
            raise DeliveryUncertain(f"{PROVIDER}: no send status in the answer")
        status = statuses[0]
        code = str(status.Code or "")
        if code != "Ok":
            raise ChannelError(f"{PROVIDER}: {code}", retryable=tencent_code_retryable(code))
        return SendResult(provider=PROVIDER, provider_message_id=str(status.SerialNo or ""))
