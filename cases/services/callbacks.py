"""A callback request from a visitor without an account: an urgent callback routed as high-risk.

The visitor leaves a phone number (mobile or landline) and optionally a name on the public help page. The
request goes through the same intake and crisis alert as a resident's "I need help now", so it reaches the
crisis team on duty (or the supervisors) and escalates on the same timers. A second request from the same
number while its alert is open adds a request to that alert instead of a second case.

Requests are counted in the database (no cache or Redis needed), per number and per client address, so the
form cannot be used to flood the team; the address is kept only as a keyed hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.alerts.models import CallbackRequest
from cases.models import Channel
from cases.services.intake import case_intake
from centers.audit.log import audit_record
from centers.models import Center, Resident

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0 + 2 or 3 digits, then a 7- or 8-digit local number (028-88880000, 010-12345678, 0755-1234567).
LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")
VISITOR = "visitor"


def per_number_limit() -> int:
    """Visitor callback requests one number may make per window (FUCHENG_VISITOR_CALLBACKS_PER_NUMBER, 3)."""
    return int(getattr(settings, "FUCHENG_VISITOR_CALLBACKS_PER_NUMBER", 3))


def per_address_limit() -> int:
    """Visitor callback requests one client address may make per window (FUCHENG_VISITOR_CALLBACKS_PER_ADDRESS,
    5: a family or an office behind one address can still ask for more than one person)."""
    return int(getattr(settings, "FUCHENG_VISITOR_CALLBACKS_PER_ADDRESS", 5))


def window() -> dt.timedelta:
    """The counting window (FUCHENG_VISITOR_CALLBACK_WINDOW_MINUTES, 60)."""
    return dt.timedelta(minutes=int(getattr(settings, "FUCHENG_VISITOR_CALLBACK_WINDOW_MINUTES", 60)))


def phone_normalise(raw: str) -> str:
    """A mainland mobile (13812341234) or a landline with its area code (028-88880000), or a ValidationError.

    Area codes are 010 and 02x, else four digits (0755): the split is taken from the digits, so "02888880000"
    and "028 8888 0000" both give 028-88880000."""
    digits = re.sub(r"[\s\-()（）]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if MOBILE.match(digits):
        return digits
    if LANDLINE.match(digits):
        split = 3 if digits.startswith(("010", "02")) else 4
        if 7 <= len(digits) - split <= 8:
            return f"{digits[:split]}-{digits[split:]}"
    raise ValidationError(
        {
            "phone": _(
                "Enter a mainland mobile number of 11 digits (e.g. 13812341234) or a landline with its area code "
                "(e.g. 028-88880000)."
            )
        }
    )


def client_key(address: str | None) -> str:
    """A keyed hash of the client address: enough to count requests, not enough to recover the address."""
    if not address:
        return ""
    return hmac.new(str(settings.SECRET_KEY).encode(), f"callback:{address}".encode(), hashlib.sha256).hexdigest()


def _refuse_if_over_limits(*, phone: str, key: str, now: dt.datetime) -> None:
    recent = CallbackRequest.objects.filter(source=VISITOR, requested_at__gte=now - window())
    if recent.filter(phone=phone).count() >= per_number_limit():
        raise ValidationError(
            _(
                "We already have %(count)s requests from this number in the last hour, and the counselors on duty "
                "have been alerted each time. They will call you back as soon as one is free. If you are in "
                "danger, do not wait: call 110 or 120 now, or 12356."
            )
            % {"count": per_number_limit()},
            code="rate_limited",
        )
    if key and recent.filter(client_key=key).count() >= per_address_limit():
        raise ValidationError(
            _(
                "Too many callback requests came from this connection in the last hour. Please call us instead: "
                "12356, or 110 or 120 if you are in danger."
            ),
            code="rate_limited",
        )


@transaction.atomic
def visitor_callback_request(
    *, center: Center, phone: str, name: str = "", client_address: str | None = None
) -> CallbackRequest:
    """Anyone, without an account: ask to be called back. Routed as high-risk; limited per number and address.

    Returns the CallbackRequest. Raises ValidationError with a sentence for a bad number or too many requests,
    and then writes nothing.
    """
    phone = phone_normalise(phone)
    name = " ".join((name or "").split())[:60]
    now = timezone.now()
    key = client_key(client_address)
    Center.objects.select_for_update().filter(pk=center.pk).first()  # one visitor request at a time per center
    _refuse_if_over_limits(phone=phone, key=key, now=now)
    earlier = (
        CallbackRequest.objects.filter(
            source=VISITOR, phone=phone, alert__center=center, alert__acknowledged_at__isnull=True
        )
        .select_related("alert__case__resident")
        .order_by("-requested_at")
        .first()
    )
    if earlier is not None:
        resident = earlier.alert.case.resident
    else:
        resident = Resident(
            center=center,
            full_name=name or _("Visitor without an account"),
            phone=phone if MOBILE.match(phone) else "",
            created_at=now,
        )
        resident.full_clean()
        resident.save()
    case, _created = case_intake(
        resident=resident,
        center=center,
        channel=Channel.HELP_NOW,
        source=_("Callback requested on the public help page"),
        actor=None,
        callback_phone=phone,
    )
    # The intake raised the alert (or added to the open one) with this request as its newest row.
    request = CallbackRequest.objects.filter(alert__case=case).latest("pk")
    request.source = VISITOR
    request.client_key = key
    request.save(update_fields=["source", "client_key"])
    audit_record(
        actor=None,
        action="callback.visitor",
        obj=case,
        object_type="cases.case",
        object_id=case.pk,
        detail={"request": request.pk, "repeat": earlier is not None, "landline": not MOBILE.match(phone)},
        actor_label=VISITOR,
    )
    return request
