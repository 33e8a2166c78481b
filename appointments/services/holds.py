"""A waitlist offer holds its slot for the offered person; these writes end an offer and free its slot.

Booking (which takes a held slot) and the waitlist (which closes offers) both use them.
"""

from __future__ import annotations

from django.utils import timezone

from appointments import free_days
from appointments.models import OfferStatus, Slot, WaitlistOffer, WaitlistStatus
from centers.models import Resident


def slot_hold_release(*, slot: Slot, accepted_by: Resident | None = None) -> None:
    """Free a held slot: the open offer on it is accepted when its person booked it, else it expires."""
    offer = WaitlistOffer.objects.filter(slot=slot, status=OfferStatus.OPEN).select_related("entry").first()
    if offer is not None:
        if accepted_by is not None and offer.entry.resident_id == accepted_by.pk:
            offer.status = OfferStatus.ACCEPTED
            offer.save(update_fields=["status"])
            offer.entry.status = WaitlistStatus.BOOKED
            offer.entry.save(update_fields=["status"])
        else:
            waitlist_offer_close(offer=offer, status=OfferStatus.EXPIRED)
    Slot.objects.filter(pk=slot.pk).update(held_for=None, held_until=None)
    free_days.forget(slot.center_id)  # an update sends no signal: the time may be free again


def waitlist_offer_close(*, offer: WaitlistOffer, status: str) -> None:
    """End an offer (declined, expired); its person waits again while their days last, and the slot is free."""
    offer.status = status
    offer.save(update_fields=["status"])
    entry = offer.entry
    if entry.status == WaitlistStatus.OFFERED:
        today = timezone.localdate()
        entry.status = WaitlistStatus.WAITING if entry.last_day >= today else WaitlistStatus.EXPIRED
        entry.save(update_fields=["status"])
    Slot.objects.filter(pk=offer.slot_id, held_for=entry.resident_id).update(held_for=None, held_until=None)
    free_days.forget(entry.center_id)
