"""Tasks act on rows: they take ids, re-read, call a service, and are safe to run twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from cases.beat import SCHEDULE
from cases.consult import services as consult_services
from cases.services import alerts, deadlines, follow_ups, intake, notifications, series
from centers.infra.dates import week_start
from centers.sweeps.services import sweep_recorded


@shared_task(name="cases.alert_dispatch")
def alert_dispatch(alert_id: int) -> int:
    """Send an alert's unsent email and SMS rows (each once)."""
    return notifications.notifications_send(alert_id=alert_id)


@shared_task(name="cases.sweep")
@sweep_recorded("cases.sweep", SCHEDULE)
def sweep() -> dict[str, Any]:
    """Every minute: take in first bookings, escalate alerts, overdue follow-ups and missed deadlines by their
    timers, send the daily crisis-team coverage digest, alert and hand over online conversations, send what is
    unsent."""
    now = timezone.now()
    return {
        "bookings_taken_in": intake.case_intake_from_bookings(now=now),
        "alerts_escalated": alerts.alerts_escalate_due(now=now),
        "follow_ups_escalated": follow_ups.follow_ups_escalate_due(now=now),
        "deadlines_chased": deadlines.deadlines_chase_due(now=now),
        "coverage_digests": deadlines.coverage_digests_send(now=now),
        "conversations_alerted": consult_services.conversations_alert_due(now=now),
        "conversations_handed_over": consult_services.conversations_hand_over_due(now=now),
        "sent": notifications.notifications_send(),
    }


@shared_task(name="cases.weekly_series")
@sweep_recorded("cases.weekly_series", SCHEDULE)
def weekly_series() -> int:
    """Recompute the early-warning series for this week and the last (late data lands in the right week)."""
    today = timezone.localdate()
    this_week = week_start(today)
    last_week = this_week - dt.timedelta(days=7)
    return series.weekly_series_compute(week_start=last_week) + series.weekly_series_compute(week_start=this_week)
