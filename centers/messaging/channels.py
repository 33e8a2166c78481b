"""The one interface every way of reaching a person implements (SMS providers, WeCom, WeChat, email, console).

A channel is handed one `Outgoing` message by the outbox dispatcher (centers.messaging.services), outside any
database transaction, and either returns a `SendResult` or raises `ChannelError`. Channels never read or
write the database and never decide about retries: the outbox does.

Provider-neutral fields: `template` names the message kind's template (a key of settings.FUCHENG_SMS_TEMPLATES
for SMS providers, which map it to the provider's registered template id), `params` fills it, `text` is the
same message as plain text for channels without templates (email, WeCom, console). `idempotency_key` is
stable across retries of one message; providers that accept one get it (Alibaba Cloud `OutId`, Tencent
Cloud `SessionContext`), so a retry after a timeout can be recognised in the delivery receipt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    idempotency_key: str
    kind: str  # MessageKind value: alert, escalation, reminder, sign_in_code ...
    address: str  # mainland mobile number, email address, WeCom userid or WeChat openid
    subject: str
    text: str
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)
    signature: str = ""  # the center's registered SMS signature (Center.sms_signature)
    link: str = ""  # an absolute, signed link the message carries (acknowledge an alert, open an offer)


@dataclass(frozen=True)
class SendResult:
    provider: str  # "aliyun", "tencent", "wecom", "wechat", "smtp", "console", "locmem"
    provider_message_id: str = ""  # BizId, SerialNo, msgid: what the delivery receipt will name


class ChannelError(Exception):
    """The provider refused or could not be reached. `retryable` says whether trying again can help
    (throttled, 5xx, connection refused) or not (invalid number, template not approved, user unsubscribed)."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class DeliveryUncertain(ChannelError):
    """The request left but no answer came back (a timeout after sending): the provider may have accepted it.
    The outbox waits for a receipt naming the idempotency key before it sends the message again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=True)


class Channel(Protocol):
    name: str  # "sms", "email", "wecom", "wechat"

    def send(self, message: Outgoing) -> SendResult: ...
