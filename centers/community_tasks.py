"""Background work of the community side. Tasks take ids, re-read the rows and are safe to run twice.

Registered with Celery when the centers app is ready (see community_hooks.register); the sweep runs
every minute from centers/beat.py.
"""

from __future__ import annotations

from celery import shared_task

from .beat import SCHEDULE
from .sweeps import sweep_recorded


@shared_task(name="centers.community.workshop_promotion_notify")
def workshop_promotion_notify_task(registration_id: int) -> bool:
    from .community_services import workshop_promotion_notify

    return workshop_promotion_notify(registration_id=registration_id)


@shared_task(name="centers.community.workshop_promotion_sweep")
@sweep_recorded("centers.community.workshop_promotion_sweep", SCHEDULE)
def workshop_promotion_sweep() -> int:
    """Send every waiting-list notice still due (a lost message or a dead worker delays it one minute)."""
    from .community_services import workshop_promotion_notify, workshop_promotions_due

    return sum(workshop_promotion_notify(registration_id=pk) for pk in workshop_promotions_due())


@shared_task(name="centers.community.workshop_reminder_sweep")
@sweep_recorded("centers.community.workshop_reminder_sweep", SCHEDULE)
def workshop_reminder_sweep() -> int:
    """Text everyone with a place at a workshop starting within a day, once each."""
    from .community_services import workshop_reminder_send, workshop_reminders_due

    return sum(workshop_reminder_send(registration_id=pk) for pk in workshop_reminders_due())
