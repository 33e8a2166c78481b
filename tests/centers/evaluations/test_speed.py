"""Every dashboard page takes a fixed number of queries at two data sizes, and reads summary tables only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.infra.dates import week_start
from centers.reporting.evaluations import services as esvc
from centers.reporting.evaluations.models import (
    MonthlyServiceFigure,
    MonthlyStationFigure,
    StationEvaluation,
    WeeklyWarningFigure,
)
from tests.centers.evaluations.conftest import score_all
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db

RAW_TABLES = ("appointments_", "cases_", "centers_workshop", "centers_volunteertask")


def grow(center, supervisor, stations: int):
    """`stations` more stations, each with a year of summaries and two published quarters."""
    year = timezone.localdate().year
    end_week = week_start(timezone.localdate())
    made = [StationFactory(center=center) for _n in range(stations)]
    for station in made:
        for month in range(1, 13):
            day = dt.date(year, month, 1)
            MonthlyServiceFigure.objects.create(
                center=center, station=station, month=day, service="phone", person_times=month
            )
            MonthlyStationFigure.objects.create(
                center=center, station=station, month=day, residents_served=month, crisis_events=1
            )
        WeeklyWarningFigure.objects.bulk_create(
            WeeklyWarningFigure(
                center=center, station=station, week_start=end_week - dt.timedelta(weeks=w), general=w % 7, serious=1
            )
            for w in range(70)
        )
    for quarter in (1, 2):
        for evaluation in esvc.evaluation_quarter_open(center=center, year=2026, quarter=quarter, actor=supervisor):
            esvc.evaluation_publish(evaluation=score_all(evaluation, supervisor, 7), actor=supervisor)
    return made


def pages(center):
    evaluation = StationEvaluation.objects.filter(center=center, quarter=2).order_by("pk").first()
    return [
        reverse("centers:statistics"),
        reverse("centers:statistics") + "?year=2026",
        reverse("centers:statistics_warning"),
        reverse("centers:statistics_warning") + f"?station={evaluation.station_id}",
        reverse("centers:evaluation_ranking") + "?period=2026-2",
        reverse("centers:evaluation_detail", args=[evaluation.pk]),
        reverse("centers:evaluation_report", args=[evaluation.pk]),
        reverse("centers:statistics_export", args=["by_station", "xlsx"]),
        reverse("centers:evaluation_ranking_export", args=["csv"]),
        reverse("centers:evaluation_list"),
        reverse("centers:evaluation_edit", args=[evaluation.pk]),
        reverse("centers:dashboard"),
    ]


def measure(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
        if "manage" not in url:
            touched = [q["sql"] for q in ctx.captured_queries if any(f'"{t}' in q["sql"] for t in RAW_TABLES)]
            assert not touched, f"{url} reads raw tables: {touched[:1]}"
    return counts


def test_dashboard_pages_take_a_fixed_number_of_queries(center, station, supervisor, client_for, fixed_figures):
    client = client_for(supervisor)
    grow(center, supervisor, 2)
    small = measure(client, pages(center))
    grow(center, supervisor, 6)  # the new stations' evaluations for 2026 Q1/Q2 are opened and published too
    large = measure(client, pages(center))
    assert small == large
