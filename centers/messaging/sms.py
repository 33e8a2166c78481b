"""What the SMS provider adapters share: template lookup, parameter limits, timeouts and network failures.

Both providers only send registered templates: a message names its kind's template (`Outgoing.template`, else its
kind), `settings.FUCHENG_SMS_TEMPLATES` maps that name to the provider's template id, and each parameter must fit
the provider's documented length. A parameter that does not fit is refused (a non-retryable ChannelError), never
cut: a shortened code, time or place would tell the person something false, and a refused crisis message falls
through to the person's next channel at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from centers.messaging.channels import ChannelError, DeliveryUncertain, Outgoing

# Every template name a message may carry (docs/messages.md lists each with its parameters): a deployment registers
# one provider template per name and maps them in FUCHENG_SMS_TEMPLATES.
TEMPLATE_NAMES = (
    "alert",
    "alert_no_link",
    "escalation",
    "escalation_no_link",
    "callback",
    "conversation",
    "deadline",
    "digest",
    "handover",
    "follow_up",
    "appointment_confirm",
    "appointment_24h",
    "appointment_2h",
    "appointment_cancel",
    "appointment_feedback",
    "waitlist_offer",
    "workshop_place",
    "workshop_reminder",
    "workshop_cancelled",
    "sign_in_code",
    "verification",
    "account",
    "account_unknown",
    "account_exists",
    "account_email_taken",
    "test",
)

# Both providers allow a verification-code variable of at most 6 characters (Alibaba Cloud: 4-6, Tencent Cloud: 6).
CODE_KINDS = frozenset({"sign_in_code", "verification"})
CODE_PARAM_MAX_LENGTH = 6


def sms_template_id(message: Outgoing) -> str:
    """The provider's template id for the message, or a non-retryable ChannelError when none is registered."""
    templates: Mapping[str, str] = getattr(settings, "FUCHENG_SMS_TEMPLATES", {}) or {}
    name = message.template or message.kind
    template_id = templates.get(name, "")
    if not template_id:
        raise ChannelError(f"no SMS template registered for {name!r}", retryable=False)
    return str(template_id)


def sms_check_params(message: Outgoing, *, max_length: int) -> None:
    """Refuse (non-retryable) a message whose parameter does not fit the provider's per-variable length."""
    limit = CODE_PARAM_MAX_LENGTH if message.kind in CODE_KINDS else max_length
    for key, value in message.params.items():
        if len(value) > limit:
            raise ChannelError(
                f"SMS parameter {key!r} is {len(value)} characters, the limit is {limit}", retryable=False
            )


def sms_timeouts() -> tuple[float, float]:
    """(connect, read) timeouts in seconds: a few seconds each, so a hung provider cannot stall the dispatcher."""
    connect = float(getattr(settings, "FUCHENG_SMS_CONNECT_TIMEOUT", 3))
    read = float(getattr(settings, "FUCHENG_SMS_READ_TIMEOUT", 5))
    return connect, read


def sms_endpoint(value: str) -> tuple[str, str]:
    """("https", "host[:port]") from an endpoint setting given as a bare host or as a URL ("http://127.0.0.1:8001")."""
    if "://" not in value:
        return "https", value.strip("/")
    parts = urlsplit(value)
    return parts.scheme or "https", parts.netloc


def sms_network_failure(provider: str, exc: BaseException) -> ChannelError:
    """The channel error for a request that got no HTTP answer.

    Both SDKs wrap the `requests` exception in their own (Tencent Cloud's keeps it as the implicit `__context__`,
    Alibaba Cloud's as the `__context__` of its `inner_exception`): a read timeout
    means the request left and the provider may have accepted it (DeliveryUncertain); anything else (connection
    refused, connect timeout, DNS) means it never arrived, so sending again is safe.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, requests.exceptions.ReadTimeout):
            return DeliveryUncertain(f"{provider}: no answer within the read timeout")
        if isinstance(current, requests.exceptions.ConnectionError):
            return ChannelError(f"{provider}: provider unreachable", retryable=True)
        inner = getattr(current, "inner_exception", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__ or current.__context__
    if "Read timed out" in str(exc):
        return DeliveryUncertain(f"{provider}: no answer within the read timeout")
    return ChannelError(f"{provider}: network error", retryable=True)


def sms_params(starts_at: dt.datetime, place: str = "") -> dict[str, str]:
    """The parameters of a template about something at a time: short fields, as providers limit each
    (docs/messages.md): date "12月8日", time "14:00" and, when given, place (where it is held); never a person's
    name or the kind of service."""
    local = timezone.localtime(starts_at)
    params = {"date": f"{local.month}月{local.day}日", "time": f"{local:%H:%M}"}
    if place:
        params["place"] = place
    return params
