"""Officials' statistics: summary tables refreshed from the hooks, "<5" everywhere, curves, exports, speed."""

from __future__ import annotations

import datetime as dt
import io
import statistics

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appointments.models import AppointmentStatus, Service
from cases.alerts.models import CrisisAlert
from cases.early_warning.models import WeeklyRiskSummary
from centers.infra.dates import add_months, week_start
from centers.models import Role
from centers.reporting.evaluations.models import (
    MonthlyServiceFigure,
    MonthlyStationFigure,
    SummaryRefresh,
    WeeklyWarningFigure,
)
from centers.reporting.statistics import selectors as sel
from centers.reporting.statistics import services as svc
from centers.reporting.statistics.tasks import summary_refresh_sweep
from fucheng.celery import collect_beat_schedule
from tests.appointments.factories import AppointmentFactory, SlotFactory
from tests.cases.factories import CaseFactory
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def completed(center, station, when, service=Service.FACE_TO_FACE, resident=None):
    slot = SlotFactory(
        center=center, station=station, starts_at=when, ends_at=when + dt.timedelta(seconds=50), service=service
    )
    return AppointmentFactory(
        slot=slot,
        resident=resident or ResidentFactory(center=center, station=station),
        status=AppointmentStatus.COMPLETED,
        booked_at=when - dt.timedelta(days=2),
    )


def test_refresh_summarises_the_other_apps_through_the_hooks(center, station, other_station):
    earlier = timezone.now() - dt.timedelta(minutes=30)
    person = ResidentFactory(center=center, station=station)
    for n in range(6):
        completed(center, station, earlier - dt.timedelta(minutes=n), resident=person)
    completed(center, other_station, earlier, service=Service.PHONE)
    case = CaseFactory(center=center, resident=person)
    CrisisAlert.objects.create(
        case=case, center=center, station=station, reason="judgement", raised_at=earlier, acknowledged_at=earlier
    )
    week = week_start(timezone.localdate())
    WeeklyRiskSummary.objects.create(
        center=center, station=station, week_start=week, active_general=7, active_serious=2, active_high_risk=1
    )

    written = svc.summaries_refresh(center=center)

    assert written >= 4
    month = timezone.localtime(earlier).date().replace(day=1)
    assert MonthlyServiceFigure.objects.get(station=station, month=month, service="face_to_face").person_times == 6
    assert MonthlyServiceFigure.objects.get(station=other_station, month=month, service="phone").person_times == 1
    figures = MonthlyStationFigure.objects.get(station=station, month=month)
    assert (figures.residents_served, figures.crisis_events, figures.crisis_handled) == (1, 1, 1)
    warning = WeeklyWarningFigure.objects.get(station=station, week_start=week)
    assert (warning.general, warning.serious, warning.high_risk) == (7, 2, 1)
    # running it again rewrites the same rows, nothing doubles
    svc.summaries_refresh(center=center)
    assert MonthlyServiceFigure.objects.get(station=station, month=month, service="face_to_face").person_times == 6


def test_refresh_keeps_history_before_the_recent_window(center, station):
    old = add_months(this_month(), -6)
    MonthlyServiceFigure.objects.create(center=center, station=station, month=old, service="phone", person_times=40)
    recent = this_month()
    MonthlyServiceFigure.objects.create(center=center, station=station, month=recent, service="phone", person_times=99)
    svc.summaries_refresh(center=center)
    assert MonthlyServiceFigure.objects.filter(month=old).get().person_times == 40
    assert not MonthlyServiceFigure.objects.filter(month=recent).exists()  # recomputed: no sessions this month


def summary_year(center, stations, year, *, small_month=3):
    """Monthly rows for a year: month 3 of the first station is small (3 person-times)."""
    for month in range(1, 13):
        for index, station in enumerate(stations):
            n = 3 if (month == small_month and index == 0) else 10 + month + index
            MonthlyServiceFigure.objects.create(
                center=center, station=station, month=dt.date(year, month, 1), service="face_to_face", person_times=n
            )
            MonthlyServiceFigure.objects.create(
                center=center, station=station, month=dt.date(year, month, 1), service="phone", person_times=6
            )
            MonthlyStationFigure.objects.create(
                center=center,
                station=station,
                month=dt.date(year, month, 1),
                residents_served=n,
                crisis_events=2,
                crisis_handled=2,
            )


def test_overview_shows_tables_with_small_counts_suppressed(center, station, other_station, official, client_for):
    year = timezone.localdate().year - 1  # a whole year: months still to come read "—"
    summary_year(center, [station], year)
    page = client_for(official).get(reverse("centers:statistics"), {"year": year}).content.decode()
    # face-to-face 3 reads "<5"; phone 6 hides with it (else 9 - 6 gives it away), and so do a second month's
    # face-to-face and phone, else the station's yearly column (the months' sum) would give them away
    assert f"{year}-03</th><td>&lt;5</td><td>x</td><td>9</td>" in page
    assert f"{year}-01</th><td>x</td><td>x</td><td>17</td>" in page
    assert f"{year}-04</th><td>14</td><td>6</td><td>20</td>" in page
    assert station.name in page  # by station
    assert "&lt;5" in page.split('data-testid="table-people"')[1]  # crisis events 2 a month
    assert 'id="chart-by_month" type="application/json"' in page
    assert "<script>" not in page


def test_exports_carry_the_same_suppressed_cells(center, station, official, client_for):
    year = timezone.localdate().year - 1  # a whole year: months still to come read "—"
    summary_year(center, [station], year)
    client = client_for(official)
    xlsx = client.get(reverse("centers:statistics_export", args=["by_month", "xlsx"]), {"year": year})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{center.name} · Person-times by month and service" and rows[1][0] == f"Year {year}"
    assert sheet.freeze_panes == "A4" and rows[2][0] == "Month"
    assert rows[5] == (f"{year}-03", "<5", "x", 9) and rows[6] == (f"{year}-04", 14, 6, 20)
    assert sheet["D7"].data_type == "n"  # a number, not text
    csv = client.get(reverse("centers:statistics_export", args=["people", "csv"]), {"year": year}).content.decode(
        "utf-8-sig"
    )
    assert f"{year}-03,<5,<5,<5" in csv
    assert client.get(reverse("centers:statistics_export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("centers:statistics_export", args=["warning", "xlsx"])).status_code == 200


def weeks(center, station, totals, *, end_week):
    for index, total in enumerate(reversed(totals)):
        WeeklyWarningFigure.objects.create(
            center=center,
            station=station,
            week_start=end_week - dt.timedelta(weeks=index),
            general=total,
            serious=0,
            high_risk=0,
        )


def test_warning_line_is_mean_of_previous_12_weeks_plus_two_sd_and_crossings_are_marked(center, station, other_station):
    end_week = week_start(timezone.localdate())
    history = [10, 12, 11, 9, 10, 13, 11, 10, 12, 9, 11, 10]
    weeks(center, station, history + [30, 11], end_week=end_week)
    weeks(center, other_station, [5] * 14, end_week=end_week)
    points = sel.warning_curve(center=center, station=station, end_week=end_week)
    spike, after = points[-2], points[-1]
    expected = round(statistics.fmean(history) + 2 * statistics.stdev(history), 1)
    assert spike.warning_line == expected and spike.crossed
    assert not after.crossed
    assert points[-3].warning_line is None  # fewer than 12 weeks of history before it
    street = sel.warning_curve(center=center, station=None, end_week=end_week)
    assert street[-2].total == 35


def test_warning_page_per_station_and_street(
    center, station, other_station, other_center_station, official, client_for
):
    end_week = week_start(timezone.localdate())
    weeks(center, station, [10, 12, 11, 9, 10, 13, 11, 10, 12, 9, 11, 10, 30], end_week=end_week)
    client = client_for(official)
    page = client.get(reverse("centers:statistics_warning"), {"station": station.pk}).content.decode()
    assert station.name in page and 'id="chart-warning"' in page
    assert "1 week crossed" in page or "1 周" in page
    assert client.get(reverse("centers:statistics_warning"), {"station": other_center_station.pk}).status_code == 404
    street = client.get(reverse("centers:statistics_warning")).content.decode()
    assert "&lt;5" in street  # serious and high-risk are 0 every week


def test_supervisor_refreshes_on_demand_once(
    center, station, supervisor, official, client_for, django_capture_on_commit_callbacks
):
    client = client_for(supervisor)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("centers:statistics_refresh"), {"next": "//evil.example/"})
        client.post(reverse("centers:statistics_refresh"))
    assert SummaryRefresh.objects.count() == 1  # one pending request per center
    assert summary_refresh_sweep() == 1
    assert summary_refresh_sweep() == 0
    refresh = SummaryRefresh.objects.get()
    assert refresh.finished_at is not None and refresh.requested_by == supervisor
    page = client.get(reverse("centers:statistics")).content.decode()
    assert "Refresh the figures now" in page or "立即刷新" in page
    # officials see no refresh button, and a crafted request is refused without queuing anything
    assert "Refresh the figures now" not in client_for(official).get(reverse("centers:statistics")).content.decode()
    assert client_for(official).post(reverse("centers:statistics_refresh")).status_code == 404
    assert SummaryRefresh.objects.count() == 1


def test_nightly_refresh_is_scheduled_and_requests_every_center(center, station, other_center_station):
    schedule = collect_beat_schedule()
    assert schedule["centers-statistics-nightly"]["task"] == "centers.statistics.refresh_nightly"
    assert schedule["centers-statistics-refresh-sweep"]["schedule"] == 60.0
    assert svc.summary_refresh_nightly() == 2
    assert summary_refresh_sweep() == 2


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.STATION_MANAGER, Role.VOLUNTEER, Role.AUDITOR, Role.EXPERT])
def test_other_roles_cannot_reach_the_statistics(role, center, station, make_staff, client_for):
    at_station = None if role in (Role.AUDITOR, Role.EXPERT) else station
    client = client_for(make_staff(role, station=at_station))
    for url in (
        reverse("centers:statistics"),
        reverse("centers:statistics_warning"),
        reverse("centers:statistics_export", args=["by_month", "csv"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("centers:statistics_refresh")).status_code == 404


def test_resident_and_anonymous_cannot_reach_the_statistics(resident_user, client_for, client):
    assert client.get(reverse("centers:statistics")).status_code == 302
    assert client_for(resident_user).get(reverse("centers:statistics")).status_code == 404


def test_history_load_refuses_another_centers_station(center, station, other_center_station):
    row = {"station_id": other_center_station.pk, "month": this_month(), "service": "phone", "person_times": 9}
    with pytest.raises(ValidationError):
        svc.summary_history_load(center=center, services=[row], stations=[], weeks=[])
    assert not MonthlyServiceFigure.objects.exists()


def test_navbar_links_for_officials_and_supervisors(official, supervisor, counselor, client_for):
    assert reverse("centers:statistics") in client_for(official).get(reverse("centers:dashboard")).content.decode()
    page = client_for(supervisor).get(reverse("centers:statistics")).content.decode()
    assert reverse("centers:evaluation_list") in page
    assert reverse("centers:statistics") not in client_for(counselor).get(reverse("centers:crisis")).content.decode()


def test_official_pages_and_exports_carry_no_names_and_exports_are_audited(
    center, station, resident, official, client_for
):
    from centers.audit.models import AuditEvent

    when = timezone.now() - dt.timedelta(minutes=30)
    for n in range(6):
        completed(center, station, when - dt.timedelta(minutes=n), resident=resident)
    svc.summaries_refresh(center=center)
    client = client_for(official)
    for url in (
        reverse("centers:statistics"),
        reverse("centers:statistics_warning"),
        reverse("centers:statistics_export", args=["by_station", "csv"]),
    ):
        body = client.get(url).content.decode("utf-8-sig")
        assert resident.full_name not in body and resident.phone not in body
    assert AuditEvent.objects.filter(action="dashboard.export", actor=official).count() == 1
