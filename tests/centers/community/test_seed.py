"""`seed_community` (after seed_demo) gives the demo its volunteers, training and workshops; twice changes nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from centers import hooks
from centers.audit.models import AuditEvent
from centers.community.models import (
    RegistrationStatus,
    TrainingRecord,
    TrainingSession,
    VolunteerTask,
    Workshop,
    WorkshopRegistration,
)
from centers.community.policies import volunteer_is_cleared
from centers.models import Station, User

pytestmark = pytest.mark.django_db

MODELS = [TrainingRecord, TrainingSession, Workshop, WorkshopRegistration, VolunteerTask]


def snapshot():
    return {
        model.__name__: sorted(map(str, model.objects.values_list(*[f.attname for f in model._meta.concrete_fields])))
        for model in MODELS
    }


def test_seed_community_is_idempotent_and_tells_the_demo_story():
    call_command("seed_demo", "--quiet-logins")
    call_command("seed_community")
    first, audit_rows = snapshot(), AuditEvent.objects.count()
    call_command("seed_community")
    assert snapshot() == first
    assert AuditEvent.objects.count() == audit_rows

    assert volunteer_is_cleared(User.objects.get(email="volunteer@demo.fucheng.cn"))
    assert not volunteer_is_cleared(User.objects.get(email="volunteer2@demo.fucheng.cn"))
    full = Workshop.objects.get(title="沙盘团体：压力与放松")
    statuses = list(full.registrations.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == full.capacity
    assert statuses.count(RegistrationStatus.WAITLISTED) >= 1
    upcoming = Workshop.objects.filter(starts_at__gt=timezone.now(), is_cancelled=False)
    assert upcoming.count() >= 3 and upcoming.filter(registrations__isnull=False).exists()
    dongfeng = Station.objects.get(code="dongfeng")
    figures = hooks.collect_dict(
        "station_figures", station=dongfeng, start=timezone.now() - dt.timedelta(days=30), end=timezone.now()
    )
    assert figures["workshops_held"] == 1
    assert figures["workshop_participants"] == 5
    assert figures["volunteer_hours"] > 0
