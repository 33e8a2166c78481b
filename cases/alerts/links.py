"""The link in a crisis alert's SMS (and WeCom message) that acknowledges the alert from the phone.

Signed with the site's secret for one alert and one person, it expires after FUCHENG_ALERT_LINK_MINUTES; using it
acknowledges the alert once (a second use finds it taken). The page it opens names no one and shows nothing of
the case: opening the case still needs the full sign-in with the second factor.

The token is short enough to be an SMS template's link parameter (Alibaba Cloud takes at most 35 characters per
variable, with the address in front fixed in the registered template): the alert, the person and the time in
base 36, and 84 bits of an HMAC-SHA256 under the site's secret (`salted_hmac`), e.g. `1k.5.t3b9qw.Zk3…` (≤ 35).
"""

from __future__ import annotations

import base64
import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from cases.alerts.models import CrisisAlert
from centers.models import User

SALT = "cases.alert-ack-link"


class LinkInvalid(Exception):
    """The link is not one this portal made, or it is too old."""


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "FUCHENG_ALERT_LINK_MINUTES", 120)))


TOKEN_MAX_LENGTH = 35
# 84 bits of the HMAC in base64: a guess is checked online, one request at a time, for a two-hour link. With ids
# and the time in base 36 (6 characters each up to 2,176,782,335) the token stays within 35 characters.
_SIGNATURE_CHARS = 14


def _signature(value: str, secret: str | None = None) -> str:
    digest = salted_hmac(SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:_SIGNATURE_CHARS]


def _signature_matches(value: str, signature: str) -> bool:
    """Against the current secret key and the ones being rotated out (SECRET_KEY_FALLBACKS), as Django's signer."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(signature, _signature(value, secret)) for secret in secrets)


def alert_link_token(*, alert: CrisisAlert, user: User, at: dt.datetime | None = None) -> str:
    moment = int((at or timezone.now()).timestamp())
    value = f"{int_to_base36(alert.pk)}.{int_to_base36(user.pk)}.{int_to_base36(moment)}"
    return f"{value}.{_signature(value)}"


def alert_link_path(*, alert: CrisisAlert, user: User) -> str:
    return reverse("cases:alert_link", kwargs={"token": alert_link_token(alert=alert, user=user)})


def alert_link_read(token: str) -> tuple[CrisisAlert, User]:
    """The alert and the person a link was made for; LinkInvalid when it is forged, too old, or either is gone."""
    alert_id, user_id = _read(token)
    alert = CrisisAlert.objects.select_related("station").filter(pk=alert_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if alert is None or user is None:
        raise LinkInvalid
    return alert, user


def _read(token: str) -> tuple[int, int]:
    if ":" in token:  # the first release's TimestampSigner links: valid two hours after it; remove with the next
        try:
            value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=link_lifetime())
            alert_id, user_id = (int(part) for part in value.split("."))
        except (signing.BadSignature, ValueError) as exc:
            raise LinkInvalid from exc
        return alert_id, user_id
    value, _, signature = token.rpartition(".")
    if not value or not _signature_matches(value, signature):
        raise LinkInvalid
    try:
        alert_id, user_id, moment = (base36_to_int(part) for part in value.split("."))
    except ValueError as exc:
        raise LinkInvalid from exc
    age = timezone.now() - dt.datetime.fromtimestamp(moment, tz=dt.UTC)
    if age > link_lifetime() or age < -dt.timedelta(minutes=5):
        raise LinkInvalid
    return alert_id, user_id
