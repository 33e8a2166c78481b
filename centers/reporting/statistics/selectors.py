"""Reads of the officials' statistics: summary tables only (never the raw tables), aggregates only, counts
under 5 shown as "<5". Each function takes a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.models import Center, Station
from centers.reporting.disclosure import SHOWN, SMALL_COUNT, Equation, equation, same_sum, shown, suppress_cells
from centers.reporting.evaluations.models import (
    MonthlyServiceFigure,
    MonthlyStationFigure,
    SummaryRefresh,
    WeeklyWarningFigure,
)

SERVICES = [
    ("face_to_face", _("Face-to-face counseling")),
    ("phone", _("Phone consultation")),
    ("home_visit", _("Home visit")),
    ("workshop", _("Workshops and lectures")),
]
WARNING_WEEKS = 12  # the warning line: mean of the previous 12 weeks plus two standard deviations
CURVE_WEEKS = 52


def service_labels(codes: Iterable[str]) -> list[tuple[str, str]]:
    """The services in the officials' order (known ones first, then any other code), with their labels."""
    codes = set(codes)
    known = dict(SERVICES)
    ordered = [code for code, _label in SERVICES if code in codes] + sorted(c for c in codes if c not in known)
    return [(code, str(known.get(code, code))) for code in ordered]


def years_available(*, center: Center) -> list[int]:
    """The years with summary rows for the center, latest first."""
    return sorted(
        {d.year for d in MonthlyStationFigure.objects.filter(center=center).dates("month", "year")}
        | {d.year for d in MonthlyServiceFigure.objects.filter(center=center).dates("month", "year")},
        reverse=True,
    )


def last_refresh(*, center: Center) -> SummaryRefresh | None:
    """The center's latest finished refresh of the summary tables."""
    return SummaryRefresh.objects.filter(center=center, finished_at__isnull=False).order_by("-finished_at").first()


@dataclass
class Table:
    """One official table: headers, rows of raw numbers, and the same rows as shown (suppressed)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    shown: list[list[Any]] = field(default_factory=list)
    hidden: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of every "<5" or "x" cell

    def column(self, index: int) -> list[Any]:
        """A column for a chart: hidden cells are gaps, as the table shows them."""
        return [None if (i, index) in self.hidden else row[index] for i, row in enumerate(self.rows)]


def _protect(tables: list[Table], equations: list[Equation], *, count_columns: dict[str, range]) -> None:
    """Fill each table's shown rows through the one suppression rule, over the equations of the whole page."""
    values: dict[Hashable, int | None] = {
        (t.key, i, j): t.rows[i][j] for t in tables for i in range(len(t.rows)) for j in count_columns[t.key]
    }
    state = suppress_cells(values, equations)
    for t in tables:
        t.shown, t.hidden = [], set()
        for i, row in enumerate(t.rows):
            out = list(row)
            for j in count_columns[t.key]:
                if row[j] is None:
                    out[j] = "—"
                    t.hidden.add((i, j))
                    continue
                out[j] = shown(row[j], state[(t.key, i, j)])
                if state[(t.key, i, j)] != SHOWN:
                    t.hidden.add((i, j))
            t.shown.append(out)


def _row_total_equations(table: Table) -> list[Equation]:
    """Each row's last column is the sum of the counts before it."""
    last = len(table.headers) - 1
    if last < 2:
        return []
    return [equation((table.key, i, last), [(table.key, i, j) for j in range(1, last)]) for i in range(len(table.rows))]


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
    return monthly_tables_from(year=year, service_rows=service_rows, station_rows=station_rows, stations=stations)


def monthly_tables_from(
    *,
    year: int,
    service_rows: list[tuple[Any, ...]],
    station_rows: list[tuple[Any, ...]],
    stations: dict[Any, str],
) -> dict[str, Table]:
    """The three tables of a year from summary rows (station_id, month, service, n) and (station_id, month,
    residents, events, handled), suppressed together: they sit on one page."""
    services = service_labels({row[2] for row in service_rows})
    months = [dt.date(year, m, 1) for m in range(1, 13)]

    by_month: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_station: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for station_id, month, service, n in service_rows:
        by_month[month][service] += n
        by_station[station_id][service] += n
    month_table = Table(
        "by_month",
        str(_("Person-times by month and service")),
        [str(_("Month"))] + [label for _c, label in services] + [str(_("Total"))],
    )
    # A month still to come has no figures yet ("—"), not a small count: it takes no part in the equations.
    this_month = timezone.localdate().replace(day=1)
    for month in months:
        values = [by_month[month][code] for code, _l in services]
        if month > this_month:
            month_table.rows.append([f"{month:%Y-%m}", *[None] * len(values), None])
        else:
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

    people: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
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
        people_table.rows.append([f"{month:%Y-%m}", *(people[month] if month <= this_month else [None] * 3)])
    tables = [month_table, station_table, people_table]
    counts = range(1, len(month_table.headers))
    # Both person-time tables add up to the same year: each service column (and the totals) of the months
    # equals the same column of the stations, so a reader can set one against the other.
    across = (
        [
            same_sum(
                [("by_month", i, j) for i, row in enumerate(month_table.rows) if row[j] is not None],
                [("by_station", i, j) for i in range(len(station_table.rows))],
            )
            for j in counts
        ]
        if station_table.rows
        else []
    )
    _protect(
        tables,
        _row_total_equations(month_table) + _row_total_equations(station_table) + across,
        count_columns={"by_month": counts, "by_station": counts, "people": range(1, 4)},
    )
    return {t.key: t for t in tables}


def monthly_charts(tables: dict[str, Table]) -> dict[str, dict[str, Any]]:
    """Chart data for officials: every hidden cell is a gap, as the table beside it shows "<5" or "x"."""
    month = tables["by_month"]
    people = tables["people"]
    labels = [row[0] for row in month.rows]
    return {
        "by_month": {
            "labels": labels,
            "stacked": True,
            "datasets": [
                {"label": header, "data": month.column(i + 1), "stack": "s"}
                for i, header in enumerate(month.headers[1:-1])
            ],
        },
        "by_station": {
            "labels": [row[0] for row in tables["by_station"].rows],
            "label": str(_("Total")),
            "values": tables["by_station"].column(len(tables["by_station"].headers) - 1),
        },
        "people": {
            "labels": labels,
            "datasets": [{"label": people.headers[j], "data": people.column(j)} for j in (1, 2, 3)],
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
    window: tuple[int, ...] = ()  # the all-tier totals of the 12 weeks the line is drawn from

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
    sums: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
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
        points.append(WeekPoint(week, general, serious, high_risk, alerts, line, tuple(window)))
    return points


@dataclass
class WarningView:
    """The curve as officials see it: the table (and export), the chart, and how many shown weeks crossed."""

    table: Table
    chart: dict[str, Any]
    crossed: int


def warning_view(points: list[WeekPoint]) -> WarningView:
    """Tiers and their total through the one suppression rule. The warning line is drawn from twelve weekly
    totals, so it is shown only where all twelve are 5 or more and shown (else it would give a hidden total
    away); "above the line" only where both the week's total and its line are shown."""
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
        table.rows.append(
            [p.week_start.isoformat(), p.general, p.serious, p.high_risk, p.total, p.warning_line, p.crossed]
        )
    _protect([table], _tier_equations(table), count_columns={"warning": range(1, 5)})
    lines: list[float | None] = []
    flags: list[bool | None] = []
    for i, p in enumerate(points):
        earlier_shown = all((k, 4) not in table.hidden for k in range(max(0, i - WARNING_WEEKS), i))
        line_shown = p.warning_line is not None and earlier_shown and all(t >= SMALL_COUNT for t in p.window)
        lines.append(p.warning_line if line_shown else None)
        flags.append(p.crossed if line_shown and (i, 4) not in table.hidden else None)
        table.shown[i][5] = p.warning_line if line_shown else "—"
        table.shown[i][6] = "—" if flags[i] is None else (str(_("yes")) if flags[i] else "")
    chart = {
        "labels": [p.week_start.strftime("%m-%d") for p in points],
        "stacked": True,
        "datasets": [
            {"label": str(_("General")), "data": table.column(1), "stack": "tiers", "color": "#2563eb"},
            {"label": str(_("Serious")), "data": table.column(2), "stack": "tiers", "color": "#d97706"},
            {"label": str(_("High-risk")), "data": table.column(3), "stack": "tiers", "color": "#b00020"},
            {
                "label": str(_("Warning line")),
                "data": lines,
                "kind": "line",
                "dashed": True,
                "color": "#111827",
            },
            {
                "label": str(_("Above the line")),
                "data": [line if flag else None for line, flag in zip(lines, flags, strict=True)],
                "kind": "line",
                "points": True,
                "color": "#7a1020",
            },
        ],
    }
    return WarningView(table=table, chart=chart, crossed=sum(1 for f in flags if f))


def _tier_equations(table: Table) -> list[Equation]:
    return [equation((table.key, i, 4), [(table.key, i, j) for j in (1, 2, 3)]) for i in range(len(table.rows))]
