"""Background work of the community side. Tasks take ids, re-read the rows and are safe to run twice.

Registered with Celery when the centers app is ready (AppConfig.ready imports this module); the sweeps run
every minute from centers/beat.py.
"""

from __future__ import annotations

from celery import shared_task

from centers.beat import SCHEDULE
from centers.community.registrations.services import workshop_promotion_notify, workshop_reminder_send
from centers.community.selectors import workshop_promotions_due, workshop_reminders_due
from centers.messaging.services import messages_dispatch_now
from centers.sweeps.services import sweep_recorded


@shared_task(name="centers.community.workshop_promotion_notify")
def workshop_promotion_notify_task(registration_id: int) -> bool:
    sent = workshop_promotion_notify(registration_id=registration_id)
    messages_dispatch_now()  # the text was queued in the outbox with the registration's change
    return sent


@shared_task(name="centers.community.workshop_promotion_sweep")
@sweep_recorded("centers.community.workshop_promotion_sweep", SCHEDULE)
def workshop_promotion_sweep() -> int:
    """Send every waiting-list notice still due (a lost message or a dead worker delays it one minute)."""
    sent = sum(workshop_promotion_notify(registration_id=pk) for pk in workshop_promotions_due())
    messages_dispatch_now()
    return sent


@shared_task(name="centers.community.workshop_reminder_sweep")
@sweep_recorded("centers.community.workshop_reminder_sweep", SCHEDULE)
def workshop_reminder_sweep() -> int:
    """Text everyone with a place at a workshop starting within a day, once each."""
    sent = sum(workshop_reminder_send(registration_id=pk) for pk in workshop_reminders_due())
    messages_dispatch_now()
    return sent
