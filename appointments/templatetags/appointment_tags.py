"""`{% my_upcoming_appointments %}`: a signed-in resident's next appointments, for their home page."""

from __future__ import annotations

from django import template
from django.utils import timezone

from appointments.models import UPCOMING_STATUSES
from appointments.selectors import appointments_for_resident

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
