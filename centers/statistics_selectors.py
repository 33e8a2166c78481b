"""Reads of the officials' statistics: summary tables only (never the raw tables), aggregates only, counts
under 5 shown as "<5". Each function takes a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .evaluation_figures import suppress
from .evaluation_models import MonthlyServiceFigure, MonthlyStationFigure, SummaryRefresh, WeeklyWarningFigure
from .models import Center, Station

SERVICES = [
    ("face_to_face", _("Face-to-face counseling")),
    ("phone", _("Phone consultation")),
    ("home_visit", _("Home visit")),
    ("workshop", _("Workshops and lectures")),
]
WARNING_WEEKS = 12  # the warning line: mean of the previous 12 weeks plus two standard deviations
CURVE_WEEKS = 52


def service_labels(codes) -> list[tuple[str, str]]:
    known = dict(SERVICES)
    ordered = [code for code, _label in SERVICES if code in codes] + sorted(c for c in codes if c not in known)
    return [(code, str(known.get(code, code))) for code in ordered]


def years_available(*, center: Center) -> list[int]:
    return sorted(
        {d.year for d in MonthlyStationFigure.objects.filter(center=center).dates("month", "year")}
        | {d.year for d in MonthlyServiceFigure.objects.filter(center=center).dates("month", "year")},
        reverse=True,
    )


def last_refresh(*, center: Center) -> SummaryRefresh | None:
    return SummaryRefresh.objects.filter(center=center, finished_at__isnull=False).order_by("-finished_at").first()


@dataclass
class Table:
    """One official table: headers, rows of raw numbers, and the same rows as shown (suppressed)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    shown: list[list] = field(default_factory=list)


def _shown(row: list, first_cols: int = 1) -> list:
    return row[:first_cols] + [suppress(v) for v in row[first_cols:]]


def monthly_tables(*, center: Center, year: int) -> dict[str, Table]:
    """Person-times by month and service, by station and service; residents served and crisis events by
    month (two queries)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    service_rows = list(
        MonthlyServiceFigure.objects.filter(center=center, month__gte=start, month__lt=end).values_list(
            "station_id", "month", "service", "person_times"
        )
    )
    station_rows = list(
        MonthlyStationFigure.objects.filter(center=center, month__gte=start, month__lt=end).values_list(
            "station_id", "month", "residents_served", "crisis_events", "crisis_handled"
        )
    )
    stations = {s.pk: s.name for s in Station.objects.filter(center=center).only("pk", "name")}
    services = service_labels({row[2] for row in service_rows})
    months = [dt.date(year, m, 1) for m in range(1, 13)]

    by_month: dict = defaultdict(lambda: defaultdict(int))
    by_station: dict = defaultdict(lambda: defaultdict(int))
    for station_id, month, service, n in service_rows:
        by_month[month][service] += n
        by_station[station_id][service] += n
    month_table = Table(
        "by_month",
        str(_("Person-times by month and service")),
        [str(_("Month"))] + [label for _c, label in services] + [str(_("Total"))],
    )
    for month in months:
        values = [by_month[month][code] for code, _l in services]
        month_table.rows.append([f"{month:%Y-%m}", *values, sum(values)])
    station_table = Table(
        "by_station",
        str(_("Person-times by station and service")),
        [str(_("Station"))] + [label for _c, label in services] + [str(_("Total"))],
    )
    for station_id in sorted(by_station, key=lambda pk: (pk is None, stations.get(pk, ""))):
        values = [by_station[station_id][code] for code, _l in services]
        name = stations.get(station_id, "") if station_id is not None else str(_("At the center"))
        station_table.rows.append([name, *values, sum(values)])

    people: dict = defaultdict(lambda: [0, 0, 0])
    for _station_id, month, residents, events, handled in station_rows:
        people[month][0] += residents
        people[month][1] += events
        people[month][2] += handled
    people_table = Table(
        "people",
        str(_("Residents served and crisis events by month")),
        [str(_("Month")), str(_("Residents served")), str(_("Crisis events")), str(_("Crisis events handled"))],
    )
    for month in months:
        people_table.rows.append([f"{month:%Y-%m}", *people[month]])
    for table in (month_table, station_table, people_table):
        table.shown = [_shown(row) for row in table.rows]
    return {t.key: t for t in (month_table, station_table, people_table)}


def _chart_values(values: list[int]) -> list[int | None]:
    """Chart data for officials: a count under 5 is a gap, as the table beside it shows "<5"."""
    return [None if suppress(v) != v else v for v in values]


def monthly_charts(tables: dict[str, Table]) -> dict[str, dict]:
    month = tables["by_month"]
    people = tables["people"]
    labels = [row[0] for row in month.rows]
    return {
        "by_month": {
            "labels": labels,
            "stacked": True,
            "datasets": [
                {"label": header, "data": _chart_values([row[i + 1] for row in month.rows]), "stack": "s"}
                for i, header in enumerate(month.headers[1:-1])
            ],
        },
        "by_station": {
            "labels": [row[0] for row in tables["by_station"].rows],
            "label": str(_("Total")),
            "values": _chart_values([row[-1] for row in tables["by_station"].rows]),
        },
        "people": {
            "labels": labels,
            "datasets": [
                {"label": people.headers[1], "data": _chart_values([row[1] for row in people.rows])},
                {"label": people.headers[2], "data": _chart_values([row[2] for row in people.rows])},
                {"label": people.headers[3], "data": _chart_values([row[3] for row in people.rows])},
            ],
        },
    }


@dataclass
class WeekPoint:
    week_start: dt.date
    general: int
    serious: int
    high_risk: int
    new_alerts: int
    warning_line: float | None

    @property
    def total(self) -> int:
        return self.general + self.serious + self.high_risk

    @property
    def crossed(self) -> bool:
        return self.warning_line is not None and self.total > self.warning_line


def warning_curve(
    *, center: Center, station: Station | None, end_week: dt.date, weeks: int = CURVE_WEEKS
) -> list[WeekPoint]:
    """The early-warning curve of a station (None: the whole street), one query: weekly active cases per tier
    stacked, the warning line (mean of the previous 12 weeks' totals + 2 standard deviations; none until 12
    weeks of history exist) and whether the week crossed it. Weeks without a row count as zero."""
    first = end_week - dt.timedelta(weeks=weeks - 1)
    history_start = first - dt.timedelta(weeks=WARNING_WEEKS)
    rows = WeeklyWarningFigure.objects.filter(center=center, week_start__gte=history_start, week_start__lte=end_week)
    if station is not None:
        rows = rows.filter(station=station)
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])
    earliest = None
    for week, general, serious, high_risk, alerts in rows.values_list(
        "week_start", "general", "serious", "high_risk", "new_alerts"
    ):
        values = sums[week]
        values[0] += general
        values[1] += serious
        values[2] += high_risk
        values[3] += alerts
        earliest = week if earliest is None or week < earliest else earliest
    all_weeks = [history_start + dt.timedelta(weeks=i) for i in range(weeks + WARNING_WEEKS)]
    totals = [sum(sums[w][:3]) for w in all_weeks]
    points = []
    for index in range(WARNING_WEEKS, len(all_weeks)):
        week = all_weeks[index]
        window = totals[index - WARNING_WEEKS : index]
        has_history = earliest is not None and earliest <= all_weeks[index - WARNING_WEEKS]
        line = round(statistics.fmean(window) + 2 * statistics.stdev(window), 1) if has_history else None
        general, serious, high_risk, alerts = sums[week]
        points.append(WeekPoint(week, general, serious, high_risk, alerts, line))
    return points


def warning_table(points: list[WeekPoint]) -> Table:
    table = Table(
        "warning",
        str(_("Early-warning curve")),
        [
            str(_("Week starting")),
            str(_("General")),
            str(_("Serious")),
            str(_("High-risk")),
            str(_("All tiers")),
            str(_("Warning line")),
            str(_("Above the line")),
        ],
    )
    for p in points:
        line = p.warning_line if p.warning_line is not None else "—"
        crossed = str(_("yes")) if p.crossed else ""
        table.rows.append([p.week_start.isoformat(), p.general, p.serious, p.high_risk, p.total, line, crossed])
        table.shown.append(
            [
                p.week_start.isoformat(),
                suppress(p.general),
                suppress(p.serious),
                suppress(p.high_risk),
                suppress(p.total),
                line,
                crossed,
            ]
        )
    return table


def warning_chart(points: list[WeekPoint]) -> dict:
    return {
        "labels": [p.week_start.strftime("%m-%d") for p in points],
        "stacked": True,
        "datasets": [
            {
                "label": str(_("General")),
                "data": _chart_values([p.general for p in points]),
                "stack": "tiers",
                "color": "#2563eb",
            },
            {
                "label": str(_("Serious")),
                "data": _chart_values([p.serious for p in points]),
                "stack": "tiers",
                "color": "#d97706",
            },
            {
                "label": str(_("High-risk")),
                "data": _chart_values([p.high_risk for p in points]),
                "stack": "tiers",
                "color": "#b00020",
            },
            {
                "label": str(_("Warning line")),
                "data": [p.warning_line for p in points],
                "kind": "line",
                "dashed": True,
                "color": "#111827",
            },
            {
                "label": str(_("Above the line")),
                "data": [p.warning_line if p.crossed else None for p in points],
                "kind": "line",
                "points": True,
                "color": "#7a1020",
            },
        ],
    }
