"""seed_dashboards: a year of history in summary form, last quarter published, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from centers.reporting.evaluations.figures import previous_quarter, quarter_of
from centers.reporting.evaluations.models import MonthlyServiceFigure, StationEvaluation, WeeklyWarningFigure

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(
            MonthlyServiceFigure.objects.order_by("station_id", "month", "service").values_list(
                "station_id", "month", "service", "person_times"
            )
        ),
        list(
            WeeklyWarningFigure.objects.order_by("station_id", "week_start").values_list(
                "station_id", "week_start", "general", "serious"
            )
        ),
        list(
            StationEvaluation.objects.order_by("station_id", "year", "quarter").values_list(
                "station_id", "year", "quarter", "status", "total"
            )
        ),
    )


def test_seed_needs_the_demo_center():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_dashboards")


def test_seed_builds_a_year_and_publishes_last_quarter_idempotently():
    call_command("seed_demo", "--quiet-logins")
    call_command("seed_dashboards")
    first = snapshot()
    months = {m for _s, m, _sv, _n in first[0]}
    assert len(months) >= 12
    assert len({w for _s, w, _g, _sr in first[1]}) >= 60
    year, quarter = previous_quarter(*quarter_of(timezone.localdate()))
    last = StationEvaluation.objects.filter(year=year, quarter=quarter)
    assert last.count() == 16 and all(e.is_published and e.total for e in last)
    assert (
        StationEvaluation.objects.filter(
            year=previous_quarter(year, quarter)[0], quarter=previous_quarter(year, quarter)[1]
        ).count()
        == 16
    )
    call_command("seed_dashboards")
    assert snapshot() == first
