"""Background work of the officials' statistics (issue 5). Tasks take ids, re-read rows, are safe twice."""

from __future__ import annotations

from celery import shared_task

from .beat import SCHEDULE
from .sweeps import sweep_recorded


@shared_task(name="centers.statistics.refresh_run")
def summary_refresh_run(refresh_id: int) -> bool:
    from .statistics_services import summary_refresh_run as run

    return run(refresh_id=refresh_id)


@shared_task(name="centers.statistics.refresh_sweep")
@sweep_recorded("centers.statistics.refresh_sweep", SCHEDULE)
def summary_refresh_sweep() -> int:
    """Run every refresh request still pending (a lost message or a dead worker delays it one minute)."""
    from .statistics_services import summary_refresh_run as run
    from .statistics_services import summary_refreshes_pending

    return sum(run(refresh_id=pk) for pk in summary_refreshes_pending())


@shared_task(name="centers.statistics.refresh_nightly")
@sweep_recorded("centers.statistics.refresh_nightly", SCHEDULE)
def summary_refresh_nightly() -> int:
    """Every night: ask for a refresh of every center; the sweep (or the queued task) runs it."""
    from .statistics_services import summary_refresh_nightly as nightly

    return nightly()
