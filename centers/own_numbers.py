"""Every center its own numbers: the 24-hour hotline, the SMS signature and the name a person sees.

Whose center it is: a resident's own center; for staff, the center they act for (chosen in the top
bar and kept in the session, among the centers they hold a role in); for a visitor, the
deployment's default center (settings.DEFAULT_CENTER_CODE, else the first center).
When the database cannot be read (the crisis page must still render), the deployment's settings
(CENTER_HOTLINE, SMS_SIGNATURE) stand in.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from centers.models import Center, Membership, Resident, User
from centers.policies import memberships_of, resident_of

logger = logging.getLogger(__name__)

ACTING_CENTER_SESSION_KEY = "acting_center_id"


@dataclass(frozen=True)
class CenterNumbers:
    """What pages and messages show of a center; `center` is None when only the settings were readable."""

    center: Center | None
    name: str
    hotline: str
    sms_signature: str


def _numbers(center: Center | None) -> CenterNumbers:
    if center is None:
        return CenterNumbers(None, "", str(settings.CENTER_HOTLINE), str(settings.SMS_SIGNATURE))
    return CenterNumbers(
        center,
        center.name,
        center.hotline or str(settings.CENTER_HOTLINE),
        center.sms_signature or str(settings.SMS_SIGNATURE),
    )


def default_center() -> Center | None:
    """The deployment's default center, for visitors and for messages to numbers we do not know."""
    centers = Center.objects.order_by("pk")
    code = getattr(settings, "DEFAULT_CENTER_CODE", "")
    return (centers.filter(code=code).first() if code else None) or centers.first()


def staff_center_choices(user) -> list[Center]:
    """The centers a staff member holds an active role in, each once, by name."""
    seen: dict[int, Center] = {}
    for membership in memberships_of(user):
        seen.setdefault(membership.center_id, membership.center)
    return sorted(seen.values(), key=lambda center: (center.name, center.pk))


def preferred_center(user: Any, center_ids: Collection[int]) -> Center | None:
    """Of the centers a staff page may act for (`center_ids`), the one the person chose in the top bar,
    else the first (lowest id); None when there are none."""
    if not center_ids:
        return None
    chosen = getattr(user, "acting_center_id", None)
    pk = chosen if isinstance(chosen, int) and chosen in center_ids else min(center_ids)
    return Center.objects.filter(pk=pk).first()


def acting_center(user, session=None) -> Center | None:
    """The center a signed-in person's pages and messages belong to; None for a visitor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    choices = staff_center_choices(user)
    if choices:
        wanted = session.get(ACTING_CENTER_SESSION_KEY) if session is not None else None
        wanted = wanted if wanted is not None else getattr(user, "acting_center_id", None)
        # Until they choose: the first center they joined the portal's records with (lowest id), as
        # the staff pages that act for one center pick it.
        return next((center for center in choices if center.pk == wanted), min(choices, key=lambda c: c.pk))
    resident = resident_of(user)
    return resident.center if resident is not None else None


def numbers_for_request(request) -> CenterNumbers:
    """The numbers for whoever is looking at the page; the settings' numbers if the database is down."""
    try:
        center = acting_center(getattr(request, "user", None), getattr(request, "session", None))
        # A visitor on one center's public page sees that center's numbers.
        return _numbers(center or getattr(request, "viewed_center", None) or default_center())
    except DatabaseError:
        logger.warning("centers_own: the database did not answer; showing the deployment's hotline")
        return _numbers(None)


def sms_signature_for(user: User | None) -> str:
    """The 【signature】 of messages to this account: their center's, or the default center's."""
    center = acting_center(user) if user is not None else None
    return _numbers(center or default_center()).sms_signature


def center_for_phone(phone: str) -> Center | None:
    """The center a message to this number speaks for: the resident's center, else the staff member's."""
    resident = (
        Resident.objects.filter(phone=phone, anonymised_at__isnull=True).select_related("center").order_by("pk").first()
    )
    if resident is not None:
        return resident.center
    membership = (
        Membership.objects.filter(user__phone=phone, is_active=True).select_related("center").order_by("pk").first()
    )
    return membership.center if membership is not None else None


def signed_sms_text(*, phone: str, text: str) -> str:
    """Put the recipient's center's 【signature】 in front of a text that has none yet."""
    if text.startswith("【"):
        return text
    try:
        center = center_for_phone(phone) or default_center()
    except DatabaseError:
        center = None
    return f"【{_numbers(center).sms_signature}】{text}"
