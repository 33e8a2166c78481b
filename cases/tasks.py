"""Tasks act on rows: they take ids, re-read, call a service, and are safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from centers.sweeps import sweep_recorded

from . import deadlines, services
from .beat import SCHEDULE


@shared_task(name="cases.alert_dispatch")
def alert_dispatch(alert_id: int) -> int:
    """Send an alert's unsent email and SMS rows (each once)."""
    return services.notifications_send(alert_id=alert_id)


@shared_task(name="cases.sweep")
@sweep_recorded("cases.sweep", SCHEDULE)
def sweep() -> dict:
    """Every minute: take in first bookings, escalate alerts, overdue follow-ups and missed deadlines by their
    timers, send the daily crisis-team coverage digest, send what is unsent."""
    from . import consult_services  # online conversations (issue 10)

    now = timezone.now()
    return {
        "bookings_taken_in": services.case_intake_from_bookings(now=now),
        "alerts_escalated": services.alerts_escalate_due(now=now),
        "follow_ups_escalated": services.followups_escalate_due(now=now),
        "deadlines_chased": deadlines.deadlines_chase_due(now=now),
        "coverage_digests": deadlines.coverage_digests_send(now=now),
        "conversations_alerted": consult_services.conversations_alert_due(now=now),
        "conversations_handed_over": consult_services.conversations_hand_over_due(now=now),
        "sent": services.notifications_send(),
    }


@shared_task(name="cases.weekly_series")
@sweep_recorded("cases.weekly_series", SCHEDULE)
def weekly_series() -> int:
    """Recompute the early-warning series for this week and the last (late data lands in the right week)."""
    today = timezone.localdate()
    this_week = services.week_start_of(today)
    last_week = this_week - dt.timedelta(days=7)
    return services.weekly_series_compute(week_start=last_week) + services.weekly_series_compute(week_start=this_week)
