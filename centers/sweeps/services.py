"""Sweeps record when they ran, so that a stopped scheduler is noticed (by /healthz and the outbox dispatcher).

Each sweep task is wrapped in `sweep_recorded(name, schedule)`: after a run that did not raise, its row is
updated. The interval is read from the app's own beat schedule, so it is written once.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone

from centers.sweeps.models import SweepRun
from centers.sweeps.selectors import interval_of

P = ParamSpec("P")
R = TypeVar("R")


@transaction.atomic
def sweep_ran(*, name: str, interval_seconds: int | None, now: dt.datetime | None = None) -> SweepRun:
    """Called by the sweep itself when a run ended, with the moment it started: its row says so (one per sweep)."""
    run, _created = SweepRun.objects.update_or_create(
        name=name, defaults={"last_run_at": now or timezone.now(), "interval_seconds": interval_seconds}
    )
    return run


def sweep_recorded(task_name: str, schedule: dict[str, dict[str, Any]]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator for a sweep task: records the run when it returns, as of when it started (the moment beat's
    schedule set), so a long run does not make a stopped scheduler look alive for longer."""

    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            started = timezone.now()
            result = function(*args, **kwargs)
            sweep_ran(name=task_name, interval_seconds=interval_of(task_name, schedule), now=started)
            return result

        return run

    return wrap


@transaction.atomic
def sweep_outage_mark(*, run: SweepRun, since: dt.datetime | None) -> SweepRun:
    """The dispatcher told people of an outage that began after `since` (None: told it is over)."""
    run.outage_since = since
    run.save(update_fields=["outage_since"])
    return run
