"""Factories for the cases app."""

from __future__ import annotations

import factory
from django.utils import timezone

from cases.models import Case, Channel, Tier
from tests.factories import CenterFactory, ResidentFactory


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    center = factory.SubFactory(CenterFactory)
    resident = factory.SubFactory(ResidentFactory, center=factory.SelfAttribute("..center"))
    station = factory.SelfAttribute("resident.station")
    channel = Channel.WALK_IN
    tier = Tier.GENERAL
    opened_at = factory.LazyFunction(timezone.now)
