"""Writes of the waitlist: join and leave, priority, offers of freed times and their answers."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.channels import ResidentMessage, channels_for
from appointments.messages import message_place, portal_url, render_offer
from appointments.models import (
    ACTIVE_Q,
    Appointment,
    Channel,
    OfferStatus,
    Place,
    Slot,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from appointments.policies import can_book_for_others, can_book_for_resident, can_set_waitlist_priority
from appointments.selectors import day_bounds, fair_share_refusal
from appointments.services.booking import appointment_book
from appointments.services.holds import waitlist_offer_close
from centers.audit.log import audit_record
from centers.infra.enqueue import enqueue_after_commit
from centers.messaging.models import MessageKind
from centers.messaging.sms import sms_params
from centers.models import Resident, Station, User

logger = logging.getLogger(__name__)


@transaction.atomic
def waitlist_join(
    *,
    actor: User,
    resident: Resident,
    service: str,
    first_day: dt.date,
    last_day: dt.date,
    station: Station | None = None,
) -> WaitlistEntry:
    """A resident (or guardian, or staff for them) waits for a time at a place within a range of days."""
    if not (can_book_for_resident(actor, resident) or can_book_for_others(actor, resident.center_id)):
        raise ValidationError(_("You can only book for yourself or for a child in your care."))
    today = timezone.localdate()
    if first_day < today:
        raise ValidationError({"first_day": _("Choose today or a later day.")})
    horizon = settings.APPOINTMENT_BOOKING_HORIZON_DAYS
    if last_day > today + dt.timedelta(days=horizon):
        raise ValidationError(
            {
                "last_day": _(
                    "Times are offered at most %(days)s days ahead, so the waitlist can run until %(last)s at the "
                    "latest. Please choose an earlier last day."
                )
                % {"days": horizon, "last": (today + dt.timedelta(days=horizon)).isoformat()}
            }
        )
    if WaitlistEntry.objects.filter(
        resident=resident,
        service=service,
        station=station,
        status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED],
    ).exists():
        raise ValidationError(_("You are already on the waitlist for this service and place."))
    entry = WaitlistEntry(
        center_id=resident.center_id,
        station=station,
        resident=resident,
        service=service,
        first_day=first_day,
        last_day=last_day,
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action="waitlist.join", obj=entry, detail={"resident": resident.pk})
    return entry


@transaction.atomic
def waitlist_leave(*, actor: User, entry: WaitlistEntry) -> WaitlistEntry:
    """The person leaves the waitlist; an open offer they hold is released to the next person."""
    entry = WaitlistEntry.objects.select_for_update().select_related("resident").get(pk=entry.pk)
    if not (can_book_for_resident(actor, entry.resident) or can_book_for_others(actor, entry.center_id)):
        raise PermissionDenied
    if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        raise ValidationError(_("This waitlist entry has already ended."))
    for offer in entry.offers.filter(status=OfferStatus.OPEN).select_related("slot"):
        waitlist_offer_close(offer=offer, status=OfferStatus.DECLINED)
        enqueue_after_commit("appointments.waitlist_offer_slot", offer.slot_id)
    entry.status = WaitlistStatus.LEFT
    entry.save(update_fields=["status"])
    audit_record(actor=actor, action="waitlist.leave", obj=entry)
    return entry


@transaction.atomic
def waitlist_set_priority(*, actor: User, entry: WaitlistEntry, is_priority: bool) -> WaitlistEntry:
    """Staff of the center mark a waiting person as priority (offered times first)."""
    if not can_set_waitlist_priority(actor, entry.center_id):
        raise PermissionDenied
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    entry.is_priority = is_priority
    entry.save(update_fields=["is_priority"])
    audit_record(actor=actor, action="waitlist.priority", obj=entry, detail={"priority": is_priority})
    return entry


OFFER_CANDIDATES = 20  # waiting people looked at per free time; past them, the next sweep looks again


@transaction.atomic
def waitlist_offer_slot(*, slot: Slot, now: dt.datetime | None = None) -> WaitlistOffer | None:
    """Offer a free slot to the first matching waiting person: priority first, then in order of joining.
    Idempotent: a slot that is taken, held, past the cutoff or already offered gets no new offer."""
    now = now or timezone.now()
    slot = Slot.objects.select_for_update().select_related("center").get(pk=slot.pk)
    if slot.status != SlotStatus.OPEN or slot.starts_at < now + dt.timedelta(hours=slot.center.cancel_cutoff_hours):
        return None
    if slot.held_until and slot.held_until > now:
        return None
    if Appointment.objects.filter(ACTIVE_Q, slot=slot).exists():
        return None
    if WaitlistOffer.objects.filter(slot=slot, status=OfferStatus.OPEN).exists():
        return None
    day = timezone.localdate(slot.starts_at)
    busy = Appointment.objects.filter(ACTIVE_Q, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at).values(
        "resident_id"
    )
    entries = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(
            center=slot.center,
            service=slot.service,
            station=slot.station if slot.place in (Place.STATION, Place.HOME) else None,
            status=WaitlistStatus.WAITING,
            first_day__lte=day,
            last_day__gte=day,
        )
        .exclude(offers__slot=slot)
        .exclude(resident_id__in=busy)
        .select_related("resident")
        .order_by("-is_priority", "joined_at", "pk")[:OFFER_CANDIDATES]
    )
    # the first waiting person the center's fairness rules let take this time (a waitlist booking is theirs)
    entry = next((e for e in entries if not fair_share_refusal(resident=e.resident, slot=slot, now=now)), None)
    if entry is None:
        return None
    expires = now + dt.timedelta(minutes=settings.APPOINTMENT_WAITLIST_OFFER_MINUTES)
    offer = WaitlistOffer.objects.create(entry=entry, slot=slot, offered_at=now, expires_at=expires)
    entry.status = WaitlistStatus.OFFERED
    entry.save(update_fields=["status"])
    slot.held_for_id = entry.resident_id
    slot.held_until = expires
    slot.save(update_fields=["held_for", "held_until"])
    audit_record(actor=None, action="waitlist.offer", obj=entry, detail={"slot": slot.pk}, actor_label="system")
    enqueue_after_commit("appointments.waitlist_offer_notify", offer.pk)
    return offer


def waitlist_offers_expire(*, now: dt.datetime | None = None) -> int:
    """The sweep: close offers whose time is up and offer each slot to the next person."""
    now = now or timezone.now()
    expired = 0
    for pk in list(
        WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            offer = (
                WaitlistOffer.objects.select_for_update()
                .select_related("entry", "slot")
                .filter(pk=pk, status=OfferStatus.OPEN)
                .first()
            )
            if offer is None:
                continue
            waitlist_offer_close(offer=offer, status=OfferStatus.EXPIRED)
            expired += 1
        waitlist_offer_slot(slot=offer.slot, now=now)
    # Entries whose range of days is over end quietly; they show as ended on the person's page.
    WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, last_day__lt=timezone.localdate(now)).update(
        status=WaitlistStatus.EXPIRED
    )
    return expired


def waitlist_free_times_offer(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The sweep: every free time a waiting person could take, that nobody holds or is offered, is offered now.
    It reads rows (slots, appointments, offers), so a cancellation or a newly published time whose queued task
    was lost is offered one sweep later. Returns the offers made; running it twice makes none twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting = list(
        WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, last_day__gte=today).values_list(
            "center_id", "service", "station_id", "first_day", "last_day"
        )
    )
    if not waiting:
        return 0
    start = max(day_bounds(min(w[3] for w in waiting))[0], now)
    end = day_bounds(max(w[4] for w in waiting))[1]
    slots = (
        Slot.objects.filter(
            status=SlotStatus.OPEN,
            center_id__in={w[0] for w in waiting},
            service__in={w[1] for w in waiting},
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))
        .exclude(Exists(Appointment.objects.filter(ACTIVE_Q, slot=OuterRef("pk"))))
        .exclude(Exists(WaitlistOffer.objects.filter(slot=OuterRef("pk"), status=OfferStatus.OPEN)))
        .order_by("starts_at", "pk")
        .values_list("pk", "center_id", "service", "station_id", "place", "starts_at")
    )
    offered = 0
    for pk, center_id, service, station_id, place, starts_at in slots[: limit * 5]:
        day = timezone.localdate(starts_at)
        station = station_id if place in (Place.STATION, Place.HOME) else None
        if not any(w[0] == center_id and w[1] == service and w[2] == station and w[3] <= day <= w[4] for w in waiting):
            continue
        if waitlist_offer_slot(slot=Slot(pk=pk), now=now) is not None:
            offered += 1
            if offered >= limit:
                break
    return offered


def waitlist_offers_notify(*, offer_id: int | None = None) -> int:
    """Tell each person about their open offer once; the offer also shows on their page."""
    offers = WaitlistOffer.objects.filter(status=OfferStatus.OPEN, notified_at__isnull=True)
    if offer_id is not None:
        offers = offers.filter(pk=offer_id)
    told = 0
    for pk in list(offers.values_list("pk", flat=True)):
        with transaction.atomic():
            offer = (
                WaitlistOffer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("entry__resident__user", "entry__resident__guardian__user", "slot__station")
                .filter(pk=pk, status=OfferStatus.OPEN, notified_at__isnull=True)
                .first()
            )
            if offer is None:
                continue
            subject, text = render_offer(offer)
            for channel, address in channels_for(offer.entry.resident):
                try:
                    channel.send(
                        address,
                        ResidentMessage(
                            subject=subject,
                            text=text,
                            key=f"offer:{offer.pk}:{channel.name}",
                            kind=MessageKind.WAITLIST_OFFER,
                            template="waitlist_offer",
                            params={
                                **sms_params(offer.slot.starts_at, message_place(offer.slot)),
                                "until": f"{timezone.localtime(offer.expires_at):%H:%M}",
                            },
                            link=portal_url(reverse("appointments:offer", args=[offer.pk])),
                        ),
                    )
                except Exception as exc:  # the person also sees the offer on their page
                    logger.warning("offer %s via %s failed: %s", offer.pk, channel.name, exc)
            offer.notified_at = timezone.now()
            offer.save(update_fields=["notified_at"])
            told += 1
    return told


@transaction.atomic
def waitlist_accept(*, offer: WaitlistOffer, actor: User, now: dt.datetime | None = None) -> Appointment:
    """The offered person takes the time before the offer runs out."""
    now = now or timezone.now()
    offer = WaitlistOffer.objects.select_for_update().select_related("entry__resident", "slot").get(pk=offer.pk)
    if not can_book_for_resident(actor, offer.entry.resident):
        raise PermissionDenied
    if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise ValidationError(_("This offer has ended. You are still on the waitlist for other times."))
    return appointment_book(
        slot=offer.slot, resident=offer.entry.resident, booked_by=actor, channel=Channel.WAITLIST, now=now
    )


@transaction.atomic
def waitlist_decline(*, offer: WaitlistOffer, actor: User) -> WaitlistOffer:
    """The offered person does not want this time; it goes to the next person at once."""
    offer = WaitlistOffer.objects.select_for_update().select_related("entry__resident").get(pk=offer.pk)
    if not can_book_for_resident(actor, offer.entry.resident):
        raise PermissionDenied
    if offer.status != OfferStatus.OPEN:
        raise ValidationError(_("This offer has ended."))
    waitlist_offer_close(offer=offer, status=OfferStatus.DECLINED)
    enqueue_after_commit("appointments.waitlist_offer_slot", offer.slot_id)
    return offer
