"""When the sweeps last ran, read by /healthz: which ones are late."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from centers.sweeps.models import SweepRun

# A sweep is late when its last run is older than this many intervals.
LATE_AFTER_INTERVALS = 2


def interval_of(task_name: str, schedule: dict[str, dict[str, Any]]) -> int | None:
    """The interval in seconds of the beat entry that runs `task_name`; None for a calendar entry."""
    for entry in schedule.values():
        if entry["task"] == task_name and isinstance(entry["schedule"], int | float):
            return int(entry["schedule"])
    return None


def sweeps_late(*, now: dt.datetime | None = None) -> list[SweepRun]:
    """Sweeps on an interval whose last run is older than two intervals (one query)."""
    now = now or timezone.now()
    return [
        run
        for run in SweepRun.objects.filter(interval_seconds__isnull=False).order_by("name")
        if run.interval_seconds is not None
        and now - run.last_run_at > dt.timedelta(seconds=LATE_AFTER_INTERVALS * run.interval_seconds)
    ]
