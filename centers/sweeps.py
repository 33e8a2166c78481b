"""Sweeps record when they ran, so that a stopped scheduler is noticed (by /healthz and the outbox dispatcher).

Each sweep task is wrapped in `sweep_recorded(name, schedule)`: after a run that did not raise, its row is
updated. The interval is read from the app's own beat schedule, so it is written once.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from .models import SweepRun

# A sweep is late when its last run is older than this many intervals.
LATE_AFTER_INTERVALS = 2


def interval_of(task_name: str, schedule: dict) -> int | None:
    """The interval in seconds of the beat entry that runs `task_name`; None for a calendar entry."""
    for entry in schedule.values():
        if entry["task"] == task_name and isinstance(entry["schedule"], int | float):
            return int(entry["schedule"])
    return None


@transaction.atomic
def sweep_ran(*, name: str, interval_seconds: int | None, now: dt.datetime | None = None) -> SweepRun:
    """Called by the sweep itself when a run ended: its row says so (one row per sweep)."""
    run, _created = SweepRun.objects.update_or_create(
        name=name, defaults={"last_run_at": now or timezone.now(), "interval_seconds": interval_seconds}
    )
    return run


def sweep_recorded(task_name: str, schedule: dict) -> Callable:
    """Decorator for a sweep task: records the run when it returns."""

    def wrap(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            result = function(*args, **kwargs)
            sweep_ran(name=task_name, interval_seconds=interval_of(task_name, schedule))
            return result

        return run

    return wrap


def sweeps_late(*, now: dt.datetime | None = None) -> list[SweepRun]:
    """Sweeps on an interval whose last run is older than two intervals (one query)."""
    now = now or timezone.now()
    return [
        run
        for run in SweepRun.objects.filter(interval_seconds__isnull=False).order_by("name")
        if now - run.last_run_at > dt.timedelta(seconds=LATE_AFTER_INTERVALS * run.interval_seconds)
    ]


@transaction.atomic
def sweep_outage_mark(*, run: SweepRun, since: dt.datetime | None) -> SweepRun:
    """The dispatcher told people of an outage that began after `since` (None: told it is over)."""
    run.outage_since = since
    run.save(update_fields=["outage_since"])
    return run
