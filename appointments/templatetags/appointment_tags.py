"""`{% my_upcoming_appointments %}`: a signed-in resident's next appointments, for their home page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from appointments.models import UPCOMING_STATUSES
from appointments.selectors import SlotRow, appointments_for_resident
from appointments.selectors import slot_rows as selectors_slot_rows

register = template.Library()


@register.inclusion_tag("appointments/_upcoming_summary.html", takes_context=True)
def my_upcoming_appointments(context, limit: int = 3) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = []
    if user is not None and user.is_authenticated:
        rows = list(
            appointments_for_resident(user=user)
            .filter(status__in=UPCOMING_STATUSES, starts_at__gt=timezone.now())
            .order_by("starts_at", "pk")[:limit]
        )
    return {"upcoming": rows}


@register.simple_tag
def slot_rows(slots: Any, pick_url_name: str | None = None) -> list[SlotRow]:
    """`{% slot_rows slots pick_url_name as rows %}`: the lines of a list of free times (selectors.slot_rows)."""
    return selectors_slot_rows(slots, pick_url_name=pick_url_name or None)
