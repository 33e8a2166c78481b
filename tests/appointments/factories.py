"""Factories of the appointments app."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from appointments.models import Appointment, Channel, Place, Service, Slot
from tests.factories import CenterFactory, UserFactory


def at(days: int = 2, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A local time `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    center = factory.SubFactory(CenterFactory)
    station = None
    counselor = factory.SubFactory(UserFactory)
    place = Place.STATION
    service = Service.FACE_TO_FACE
    starts_at = factory.Sequence(lambda n: at(days=2, hour=8) + dt.timedelta(hours=n))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=50))


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    slot = factory.SubFactory(SlotFactory)
    center = factory.SelfAttribute("slot.center")
    station = factory.SelfAttribute("slot.station")
    counselor = factory.SelfAttribute("slot.counselor")
    service = factory.SelfAttribute("slot.service")
    place = factory.SelfAttribute("slot.place")
    starts_at = factory.SelfAttribute("slot.starts_at")
    ends_at = factory.SelfAttribute("slot.ends_at")
    channel = Channel.ONLINE
