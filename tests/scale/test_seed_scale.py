"""seed_scale loads a consistent dataset (COPY on PostgreSQL, bulk_create on SQLite) the portal can read."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from appointments.models import Appointment, Slot
from cases.models import Case, CaseEvent
from centers.models import Center, Resident, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_tiny_preset_loads_readable_consistent_rows_and_a_second_run_does_nothing(settings):
    out = StringIO()
    call_command("seed_scale", preset="tiny", stdout=out, stderr=StringIO())
    assert "seed_scale --preset tiny:" in out.getvalue() and " s" in out.getvalue()
    center = Center.objects.get(code="scale-tiny-00")
    assert Resident.objects.filter(center=center).count() == 600
    assert Case.objects.filter(center=center).count() == 80
    booked = Appointment.objects.filter(center=center)
    assert 600 <= booked.count() <= 1000, "about the asked-for 800 appointments"
    assert not booked.exclude(resident__center=center).exists()
    assert Slot.objects.filter(center=center).count() >= booked.count()
    # Every case has its counselor and a timeline; encrypted fields read back.
    case = Case.objects.filter(center=center, stage="closed").first()
    assert case.counselors.count() == 1 and case.closed_at is not None and case.summary == ""
    assert CaseEvent.objects.filter(case=case).count() >= 4
    assert User.objects.get(username="scale-tiny-c00-s00-k0").check_password("scale-bench-2026")
    if connection.vendor == "postgresql":  # vacuumed after the load: index-only scans skip the table rows
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname IN ('appointments_slot', 'appointments_appointment', "
                "'cases_case') AND relallvisible > 0 AND relallvisible = relpages"
            )
            assert sorted(row[0] for row in cursor.fetchall()) == [
                "appointments_appointment",
                "appointments_slot",
                "cases_case",
            ]
    # New rows after the load get fresh ids (sequences were moved past the loaded ones).
    assert Resident.objects.create(center=center, full_name="新居民").pk > Resident.objects.order_by("pk").first().pk

    out = StringIO()
    call_command("seed_scale", preset="tiny", stdout=out, stderr=StringIO())
    assert "already loaded" in out.getvalue()
    assert Resident.objects.filter(center=center).count() == 601
