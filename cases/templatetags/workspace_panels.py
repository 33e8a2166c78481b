"""Inclusion tags that add the issue-5 panels to the workspace, the console and the case page without
changing their views: each reads through cases.workspace_selectors, scoped to the signed-in user."""

from __future__ import annotations

from django import template

from .. import workspace_selectors as sel

register = template.Library()


@register.inclusion_tag("cases/partials/workspace_panels.html")
def workspace_panels(user) -> dict:
    """Today's appointments, new intakes, overdue follow-ups, referrals waiting for feedback, missed deadlines."""
    return {
        "appointments_today": sel.appointments_today(user=user),
        "new_intakes": list(sel.new_intakes(user=user)),
        "overdue": list(sel.overdue_follow_ups(user=user)),
        "referrals": list(sel.referrals_awaiting_feedback(user=user)),
        "deadlines": sel.deadlines_overdue(user=user),
    }


@register.inclusion_tag("cases/partials/console_panels.html")
def console_panels(user) -> dict:
    """Unassigned intakes across stations, duty coverage, consultations pending, caseload per counselor, missed
    deadlines."""
    return {
        "new_intakes": list(sel.new_intakes(user=user)),
        "coverage": sel.duty_coverage(user=user),
        "consultations": list(sel.consultations_pending(user=user)),
        "caseload": sel.caseload(user=user),
        "deadlines": sel.deadlines_overdue(user=user),
    }


@register.inclusion_tag("cases/partials/screening_chart.html")
def screening_chart(screenings) -> dict:
    """PHQ-9 and GAD-7 over time, drawn from the screenings the case page already loaded."""
    chart = sel.screening_chart(screenings)
    return {"chart": chart, "has_points": bool(chart["labels"])}
