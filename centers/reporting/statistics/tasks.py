"""Background work of the officials' statistics. Tasks take ids, re-read rows, are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from centers.beat import SCHEDULE
from centers.reporting.statistics import services
from centers.sweeps.services import sweep_recorded


@shared_task(name="centers.statistics.refresh_run")
def summary_refresh_run(refresh_id: int) -> bool:
    return services.summary_refresh_run(refresh_id=refresh_id)


@shared_task(name="centers.statistics.refresh_sweep")
@sweep_recorded("centers.statistics.refresh_sweep", SCHEDULE)
def summary_refresh_sweep() -> int:
    """Run every refresh request still pending (a lost message or a dead worker delays it one minute)."""
    return sum(services.summary_refresh_run(refresh_id=pk) for pk in services.summary_refreshes_pending())


@shared_task(name="centers.statistics.refresh_nightly")
@sweep_recorded("centers.statistics.refresh_nightly", SCHEDULE)
def summary_refresh_nightly() -> int:
    """Every night: ask for a refresh of every center; the sweep (or the queued task) runs it."""
    return services.summary_refresh_nightly()
