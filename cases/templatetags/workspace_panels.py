"""The case page's screening chart, drawn from the screenings the page already loaded. (The workspace's and the
console's panels are read by their views, which record what they show.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from cases import workspace as sel
from cases.screenings.models import Screening

register = template.Library()


@register.inclusion_tag("cases/partials/screening_chart.html")
def screening_chart(screenings: Iterable[Screening]) -> dict[str, Any]:
    """PHQ-9 and GAD-7 over time, drawn from the screenings the case page already loaded."""
    chart = sel.screening_chart(screenings)
    return {"chart": chart, "has_points": bool(chart["labels"])}
