"""A long task for the bulk-flood test only: loaded into that test's worker with `celery worker --include`."""

import time

from celery import shared_task


@shared_task(name="tests.faults.slow")
def slow(seconds: float) -> None:
    time.sleep(seconds)
