"""`seed_demo` builds the 1+16+N demo and running it twice changes nothing."""

import pytest
from django.core.management import call_command

from centers.audit.models import AuditEvent
from centers.models import (
    Center,
    DutyShift,
    Membership,
    PartnerInstitution,
    PartnerKind,
    Resident,
    Role,
    Room,
    ServiceGroup,
    Station,
    User,
)

pytestmark = pytest.mark.django_db

MODELS = [Center, Station, User, Membership, Resident, ServiceGroup, PartnerInstitution, Room, DutyShift]


def snapshot():
    return {
        model.__name__: sorted(map(str, model.objects.values_list(*[f.attname for f in model._meta.concrete_fields])))
        for model in MODELS
    }


def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = snapshot()
    audit_rows = AuditEvent.objects.count()
    call_command("seed_demo")
    assert snapshot() == first
    assert AuditEvent.objects.count() == audit_rows
    out = capsys.readouterr().out
    assert "counselor@demo.fucheng.cn" in out
    assert "fucheng-demo-2026" in out


def test_seed_demo_models_one_street_center_with_sixteen_stations():
    call_command("seed_demo", "--quiet-logins")
    center = Center.objects.get(code="fucheng")
    assert center.stations.count() == 16
    assert ServiceGroup.objects.filter(center=center).count() >= 3
    roles = set(Membership.objects.filter(center=center).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert set(PartnerInstitution.objects.filter(center=center).values_list("kind", flat=True)) == set(
        PartnerKind.values
    )
    assert Resident.objects.filter(center=center, guardian__isnull=False).exists()
    assert DutyShift.objects.filter(center=center, is_crisis_team=True).exists()
