import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Channel, OfferStatus, WaitlistOffer, WaitlistStatus
from appointments.services.booking import SlotTaken, appointment_book, appointment_cancel
from appointments.services.waitlist import (
    waitlist_accept,
    waitlist_join,
    waitlist_offer_slot,
    waitlist_offers_expire,
    waitlist_set_priority,
)
from centers.messaging.models import OutboundMessage
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(center, station):
    def make(name, priority=False, joined_minutes_ago=0):
        person = ResidentFactory(center=center, station=station, user=UserFactory(), full_name=name)
        entry = waitlist_join(
            actor=person.user,
            resident=person,
            service="face_to_face",
            station=station,
            first_day=timezone.localdate(),
            last_day=timezone.localdate() + dt.timedelta(days=10),
        )
        entry.joined_at = timezone.now() - dt.timedelta(minutes=joined_minutes_ago)
        entry.save()
        return entry

    return make


def test_a_freed_time_goes_to_priority_first_then_in_order_of_joining(
    waiting, resident, slot, supervisor, sms_outbox, django_capture_on_commit_callbacks
):
    early = waiting("先来", joined_minutes_ago=60)
    late = waiting("后来", joined_minutes_ago=10)
    priority = waiting("优先", joined_minutes_ago=1)
    waitlist_set_priority(actor=supervisor, entry=priority, is_priority=True)
    appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, actor=resident.user)
    offer = WaitlistOffer.objects.get()
    assert offer.notified_at is not None
    assert any(
        "优先" in m["text"] and "https://portal.example.cn/appointments/offers/" in m["text"] for m in sms_outbox
    )
    # A provider sends the offer's registered template, with short fields and no name; once per channel.
    sms = OutboundMessage.objects.get(idempotency_key=f"offer:{offer.pk}:sms")
    local = timezone.localtime(slot.starts_at)
    assert (sms.kind, sms.template) == ("waitlist_offer", "waitlist_offer")
    assert sms.params == {
        "date": f"{local.month}月{local.day}日",
        "time": f"{local:%H:%M}",
        "place": "测试路 1 号",  # the station's address: its name may name the service
        "until": f"{timezone.localtime(offer.expires_at):%H:%M}",
    }
    assert offer.entry == priority
    slot.refresh_from_db()
    assert slot.held_for_id == priority.resident_id
    # While held, nobody else can take it.
    with pytest.raises(SlotTaken):
        appointment_book(slot=slot, resident=early.resident, booked_by=early.resident.user)
    # The offer runs out: the next person (first to join) is offered it.
    waitlist_offers_expire(now=offer.expires_at + dt.timedelta(seconds=1))
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    second = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
    assert second.entry == early
    appointment = waitlist_accept(offer=second, actor=early.resident.user)
    assert appointment.channel == Channel.WAITLIST
    early.refresh_from_db()
    assert early.status == WaitlistStatus.BOOKED
    late.refresh_from_db()
    assert late.status == WaitlistStatus.WAITING


def test_offers_are_idempotent_and_expired_offers_cannot_be_accepted(waiting, slot):
    entry = waiting("等候")
    offer = waitlist_offer_slot(slot=slot)
    assert offer is not None and waitlist_offer_slot(slot=slot) is None
    with pytest.raises(ValidationError, match="offer has ended"):
        waitlist_accept(offer=offer, actor=entry.resident.user, now=offer.expires_at + dt.timedelta(seconds=1))
    assert not Appointment.objects.exists()


def test_the_resident_accepts_an_offer_on_their_page(client_for, waiting, slot):
    entry = waiting("等候")
    offer = waitlist_offer_slot(slot=slot)
    client = client_for(entry.resident.user)
    assert "Times offered to you" in client.get(reverse("appointments:mine")).content.decode()
    response = client.post(reverse("appointments:offer", args=[offer.pk]), {"answer": "accept"})
    appointment = Appointment.objects.get()
    assert response["Location"] == appointment.get_absolute_url()


def test_joining_the_waitlist_on_the_page(client_for, resident_user, station):
    response = client_for(resident_user).post(
        reverse("appointments:waitlist_join"),
        {
            "for_whom": resident_user.resident.pk,
            "service": "face_to_face",
            "where": f"s{station.pk}",
            "first_day": timezone.localdate().isoformat(),
            "last_day": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert resident_user.resident.waitlist_entries.get().station == station


def test_someone_elses_offer_is_a_404(client_for, waiting, slot, resident_user):
    waiting("等候")
    offer = waitlist_offer_slot(slot=slot)
    assert client_for(resident_user).get(reverse("appointments:offer", args=[offer.pk])).status_code == 404


def test_the_sweep_ends_entries_whose_days_are_over(waiting):
    entry = waiting("过期")
    waitlist_offers_expire(now=timezone.now() + dt.timedelta(days=11))
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.EXPIRED


def test_declining_an_offer_passes_the_time_on_at_once(client_for, waiting, slot, django_capture_on_commit_callbacks):
    first = waiting("第一", joined_minutes_ago=30)
    second = waiting("第二", joined_minutes_ago=5)
    offer = waitlist_offer_slot(slot=slot)
    assert offer.entry == first
    with django_capture_on_commit_callbacks(execute=True):
        client_for(first.resident.user).post(reverse("appointments:offer", args=[offer.pk]), {"answer": "decline"})
    offer.refresh_from_db()
    first.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and first.status == WaitlistStatus.WAITING
    assert WaitlistOffer.objects.get(status=OfferStatus.OPEN).entry == second
