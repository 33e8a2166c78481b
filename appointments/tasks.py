"""Celery tasks: each takes ids, re-reads the rows and calls a service; running one twice sends nothing twice.

Services queue these by name (centers.infra.enqueue), so this module imports the services and none of them
imports it."""

from __future__ import annotations

from celery import shared_task

from appointments.beat import SCHEDULE
from appointments.models import Slot
from appointments.services.availability import slots_generate_all
from appointments.services.reminders import reminders_send_due
from appointments.services.waitlist import (
    waitlist_free_times_offer,
    waitlist_offer_slot,
    waitlist_offers_expire,
    waitlist_offers_notify,
)
from centers.sweeps.services import sweep_recorded


@shared_task(name="appointments.reminders_send_due")
def reminders_send_due_task() -> int:
    return reminders_send_due()


@shared_task(name="appointments.sweep")
@sweep_recorded("appointments.sweep", SCHEDULE)
def appointments_sweep_task() -> dict[str, int]:
    """Every minute: send due messages, pass expired waitlist offers to the next person and offer every free
    time a waiting person could take (from the rows, so a lost task only delays an offer)."""
    return {
        "sent": reminders_send_due(),
        "offers_expired": waitlist_offers_expire(),
        "offers_made": waitlist_free_times_offer(),
        "offers_told": waitlist_offers_notify(),
    }


@shared_task(name="appointments.slots_generate")
@sweep_recorded("appointments.slots_generate", SCHEDULE)
def slots_generate_task() -> int:
    """Every night: keep slots generated up to the booking horizon."""
    return slots_generate_all()


@shared_task(name="appointments.waitlist_offer_slot")
def waitlist_offer_slot_task(slot_id: int) -> int | None:
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        return None
    offer = waitlist_offer_slot(slot=slot)
    return offer.pk if offer else None


@shared_task(name="appointments.waitlist_offer_notify")
def waitlist_offer_notify_task(offer_id: int) -> int:
    return waitlist_offers_notify(offer_id=offer_id)
