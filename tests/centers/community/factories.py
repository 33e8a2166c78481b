"""Factories for the community side: workshops, registrations, training, volunteer tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from centers.community.models import (
    RegistrationStatus,
    TrainingRecord,
    TrainingSession,
    VolunteerTask,
    VolunteerTaskKind,
    Workshop,
    WorkshopKind,
    WorkshopRegistration,
)
from tests.factories import CenterFactory, ResidentFactory


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    center = factory.SubFactory(CenterFactory)
    station = None
    kind = WorkshopKind.PARENT_CHILD
    title = factory.Sequence(lambda n: f"亲子沟通工作坊{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    capacity = 10


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopRegistration

    workshop = factory.SubFactory(WorkshopFactory)
    resident = factory.SubFactory(ResidentFactory, center=factory.SelfAttribute("..workshop.center"))
    status = RegistrationStatus.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    center = factory.SubFactory(CenterFactory)
    course = "心理志愿者基础培训"
    hours = Decimal("8")
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    certificate_expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=335))


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    center = factory.SubFactory(CenterFactory)
    topic = factory.Sequence(lambda n: f"危机识别培训{n}")
    trainer = "孙教授"
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    hours = Decimal("3")
    certificate_months = 12


class VolunteerTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTask

    center = factory.SubFactory(CenterFactory)
    kind = VolunteerTaskKind.OUTREACH
    title = "社区宣传"
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    hours = Decimal("2")
