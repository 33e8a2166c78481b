"""The SMS providers' status callbacks: one POST endpoint per provider, called by the provider, never by a person.

Neither provider signs its status push, so each callback URL carries a shared secret (`?token=…`, settings
FUCHENG_SMS_ALIYUN_RECEIPT_TOKEN / FUCHENG_SMS_TENCENT_RECEIPT_TOKEN), compared in constant time; without a configured
secret the endpoint refuses everything. Answers carry nothing but the provider's acknowledgement format.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from centers.messaging.receipts import message_receipt_record

# Both providers report times as "YYYY-MM-DD HH:MM:SS" in Beijing time.
PROVIDER_TZ = ZoneInfo("Asia/Shanghai")


def receipt_token_ok(request: HttpRequest, setting: str) -> bool:
    """Whether the callback names the configured secret (constant-time; no secret configured means no)."""
    expected = str(getattr(settings, setting, "") or "")
    given = request.GET.get("token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def receipt_items(request: HttpRequest) -> list[dict[str, object]] | None:
    """The JSON array of reports in the body (both providers batch), or None when the body is not one."""
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return None
    return [{str(key): value for key, value in item.items()} for item in data]


def field(item: dict[str, object], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


def report_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_TZ)
    except ValueError:
        return None


@csrf_exempt
@require_POST
def aliyun_receipts(request: HttpRequest) -> HttpResponse:
    """Alibaba Cloud SmsReport (HTTP batch push): records each report; answers {"code": 0} once all are taken."""
    if not receipt_token_ok(request, "FUCHENG_SMS_ALIYUN_RECEIPT_TOKEN"):
        return HttpResponse(status=403)
    items = receipt_items(request)
    if items is None:
        return JsonResponse({"code": 1, "msg": "bad request"}, status=400)
    for item in items:
        success = item.get("success")
        delivered = success is True or str(success).lower() == "true"
        message_receipt_record(
            provider="aliyun",
            delivered=delivered,
            provider_message_id=field(item, "biz_id"),
            idempotency_key=field(item, "out_id"),
            error="" if delivered else f"{field(item, 'err_code')} {field(item, 'err_msg')}".strip(),
            at=report_time(field(item, "report_time")),
        )
    return JsonResponse({"code": 0, "msg": "接收成功"}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def tencent_receipts(request: HttpRequest) -> HttpResponse:
    """Tencent Cloud SMS status callback: records each report; answers {"result": 0} once all are taken."""
    if not receipt_token_ok(request, "FUCHENG_SMS_TENCENT_RECEIPT_TOKEN"):
        return HttpResponse(status=403)
    items = receipt_items(request)
    if items is None:
        return JsonResponse({"result": 1, "errmsg": "bad request"}, status=400)
    for item in items:
        delivered = field(item, "report_status").upper() == "SUCCESS"
        message_receipt_record(
            provider="tencent",
            delivered=delivered,
            provider_message_id=field(item, "sid"),
            error="" if delivered else f"{field(item, 'errmsg')} {field(item, 'description')}".strip(),
            at=report_time(field(item, "user_receive_time")),
        )
    return JsonResponse({"result": 0, "errmsg": "OK"})
