"""The outbox's one sender: queued after each commit that writes a message, and every minute by beat."""

from __future__ import annotations

from celery import shared_task

from centers.beat import SCHEDULE
from centers.messaging.services import DISPATCH_NOW_TASK, DISPATCH_TASK, messages_dispatch, messages_purge
from centers.sweeps.services import sweep_recorded


@shared_task(name=DISPATCH_TASK)
@sweep_recorded(DISPATCH_TASK, SCHEDULE)
def messages_dispatch_task() -> int:
    """Send every message that is due (beat, every minute). Returns how many rows were handled."""
    return messages_dispatch()


@shared_task(name=DISPATCH_NOW_TASK)
def messages_dispatch_now_task() -> int:
    """The same, queued after a commit that wrote a message; not a run of the sweep (it says nothing of beat)."""
    return messages_dispatch()


@shared_task(name="centers.messaging.purge")
@sweep_recorded("centers.messaging.purge", SCHEDULE)
def messages_purge_task() -> int:
    """Delete settled messages past their keeping time; beat runs it every night."""
    return messages_purge()
