"""The monthly retention report, written by beat on the 1st (centers/beat.py)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from centers.beat import SCHEDULE
from centers.retention.services import report_write
from centers.sweeps.services import sweep_recorded


@shared_task(name="centers.retention.monthly_report")
@sweep_recorded("centers.retention.monthly_report", SCHEDULE)
def retention_monthly_report() -> int:
    """Write this month's retention report of every center. Returns how many reports were written."""
    return len(report_write(month=timezone.localdate()))
