"""The recovery test: a reader with the officials' page or export in hand tries every equation they can write
down (row totals, the two yearly tables against each other, tiers against their total, the warning line, the
services against the evaluation's total, shares, changes) and must not be able to work out any hidden cell.

The reader here is written independently of centers/reporting/disclosure.py: null spaces instead of reduced rows, its
own range narrowing, brute force for the warning line and the shares."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import statistics
from fractions import Fraction
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from centers.infra.dates import week_start
from centers.reporting.disclosure import equation, suppress_cells
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import MonthlyServiceFigure, MonthlyStationFigure, WeeklyWarningFigure
from centers.reporting.evaluations.selectors import figure_rows
from centers.reporting.statistics import selectors as sel
from tests.centers.evaluations.conftest import FIGURES, score_all

pytestmark = pytest.mark.django_db

SMALL, HIDDEN = "<5", "x"
BIG = 10**6


# ---------------------------------------------------------------- the reader's arithmetic


def _null_space(rows: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """A basis of {v : rows · v = 0}."""
    matrix = [list(r) for r in rows]
    pivots: list[int] = []
    r = 0
    for c in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][c]
        matrix[r] = [v / lead for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c] != 0:
                f = matrix[i][c]
                matrix[i] = [a - f * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(c)
        r += 1
    free = [c for c in range(width) if c not in pivots]
    basis = []
    for f in free:
        v = [Fraction(0)] * width
        v[f] = Fraction(1)
        for row_index, c in enumerate(pivots):
            v[c] = -matrix[row_index][f]
        basis.append(v)
    return basis


def solvable(cells: dict, equations: list[dict]) -> set:
    """Hidden cells ("<5": 0–4, "x": 5 or more) fixed by the linear equations (each {cell: coefficient} summing
    to zero over the cells' true values), exactly or by narrowing ranges to a single whole number."""
    unknown = [k for k, v in cells.items() if v in (SMALL, HIDDEN)]
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for eq in equations:
        rows.append([Fraction(eq.get(k, 0)) for k in unknown])
    found = set()
    if unknown:
        basis = _null_space(rows, len(unknown))
        found |= {k for k in unknown if all(v[index[k]] == 0 for v in basis)}
    lo = {k: (0 if cells[k] == SMALL else 5) for k in unknown}
    hi = {k: (4 if cells[k] == SMALL else BIG) for k in unknown}
    for _ in range(100):
        narrowed = False
        for eq in equations:
            constant = sum(c * cells[k] for k, c in eq.items() if k not in lo)
            for k, c in eq.items():
                if k not in lo:
                    continue
                others = [(o, oc) for o, oc in eq.items() if o in lo and o != k]
                low = constant + sum(oc * (lo[o] if oc > 0 else hi[o]) for o, oc in others)
                high = constant + sum(oc * (hi[o] if oc > 0 else lo[o]) for o, oc in others)
                # c*x = -(rest), rest in [low, high]
                a, b = sorted((Fraction(-high, c), Fraction(-low, c)))
                if a > lo[k]:
                    lo[k], narrowed = -((-a.numerator) // a.denominator), True
                if b < hi[k]:
                    hi[k], narrowed = b.numerator // b.denominator, True
        if not narrowed:
            break
    found |= {k for k in unknown if lo[k] == hi[k]}
    return found


def _value(text):
    if text in (SMALL, HIDDEN):
        return text
    if text == "—":  # no figure (a month still to come): nothing to add
        return 0
    if isinstance(text, (int, float)):
        return text
    return int(text) if re.fullmatch(r"-?\d+", str(text)) else text


def _same(value):
    """A cell as compared between page and file: numbers by value, text as text."""
    text = "" if value is None else str(value)
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text


# ---------------------------------------------------------------- what a reader can write down


def statistics_equations(month_rows: list[list], station_rows: list[list]) -> tuple[dict, list[dict]]:
    """The cells of both yearly tables and their equations: each row's total, each column of one table against
    the same column of the other (both add up to the year)."""
    cells, eqs = {}, []
    width = len(month_rows[0]) if month_rows else 0
    for name, rows in (("m", month_rows), ("s", station_rows)):
        for i, row in enumerate(rows):
            for j in range(1, width):
                cells[(name, i, j)] = _value(row[j])
            if width > 2:
                eq = {(name, i, width - 1): 1}
                eq.update({(name, i, j): -1 for j in range(1, width - 1)})
                eqs.append(eq)
    if station_rows:
        for j in range(1, width):
            eq = {("m", i, j): 1 for i in range(len(month_rows))}
            eq.update({("s", i, j): -1 for i in range(len(station_rows))})
            eqs.append(eq)
    return cells, eqs


def assert_statistics_safe(month_rows, station_rows, people_rows=()):
    cells, eqs = statistics_equations(month_rows, station_rows)
    assert not solvable(cells, eqs)
    for row in people_rows:
        assert all(_value(v) == SMALL or _value(v) >= 5 for v in row[1:])


def line_of(window: list[int]) -> float:
    return round(statistics.fmean(window) + 2 * statistics.stdev(window), 1)


def assert_warning_safe(rows: list[list]):
    """Tiers against their total, and every shown warning line against the twelve totals it is drawn from."""
    cells, eqs = {}, []
    for i, row in enumerate(rows):
        for j in range(1, 5):
            cells[(i, j)] = _value(row[j])
        eqs.append({(i, 4): 1, (i, 1): -1, (i, 2): -1, (i, 3): -1})
        if _value(row[4]) in (SMALL, HIDDEN):
            assert row[6] in ("—", None), "above the line shown for a hidden total"
    assert not solvable(cells, eqs)
    for i, row in enumerate(rows):
        if row[5] in ("—", None) or i < 12:
            continue
        window = [cells[(k, 4)] for k in range(i - 12, i)]
        hidden = [k for k, v in enumerate(window) if v in (SMALL, HIDDEN)]
        if not hidden:
            continue
        assert len(hidden) <= 3, "a shown line over many hidden totals"
        choices = [range(0, 5) if window[k] == SMALL else range(5, 60) for k in hidden]
        fits = []
        for combo in itertools.product(*choices):
            trial = list(window)
            for k, v in zip(hidden, combo, strict=True):
                trial[k] = v
            if line_of(trial) == float(row[5]):
                fits.append(combo)
        for position in range(len(hidden)):
            assert len({f[position] for f in fits}) != 1, f"week {i - 12 + hidden[position]} follows from a line"


SHARE_OF = {
    "No-show rate": "Sessions completed",
    "Crisis alerts acknowledged in time": "Crisis alerts",
    "Follow-ups done on time": "Follow-ups due",
}
SERVICES = ("Person-times: face-to-face counseling", "Person-times: phone consultation", "Person-times: home visits")


def assert_evaluation_safe(rows: dict[str, tuple]):
    """rows: label -> (this quarter, last quarter, change) as the official reads them."""
    cells, eqs = {}, []
    for label, (now, before, _change) in rows.items():
        for period, text in (("now", now), ("before", before)):
            value = _value(text)
            if isinstance(value, (int, float)) or value in (SMALL, HIDDEN):
                cells[(label, period)] = value
    for period in ("now", "before"):
        keys = [(s, period) for s in SERVICES] + [("Person-times, all services", period)]
        if all(k in cells for k in keys):
            eqs.append({keys[-1]: 1, **dict.fromkeys(keys[:-1], -1)})
            eqs.append({("Sessions completed", period): 1, keys[-1]: -1})
    for label, (_now, _before, change) in rows.items():
        if isinstance(change, str) and re.fullmatch(r"[+-]\d+", change) and (label, "now") in cells:
            # now - before == change: the change is a known constant, folded in as a cell of its own
            cells[(label, "change")] = int(change)
            eqs.append({(label, "now"): 1, (label, "before"): -1, (label, "change"): -1})
    assert not solvable(cells, eqs)
    for share, count in SHARE_OF.items():
        for position, period in ((0, "now"), (1, "before")):
            if cells.get((count, period)) in (SMALL, HIDDEN):
                assert rows[share][position] in (HIDDEN, "—"), f"{share} shown beside a hidden {count}"


# ---------------------------------------------------------------- pages and exports


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid"):
            self._table = attrs["data-testid"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {k: v[1:] for k, v in parser.tables.items()}  # without the header row


def chart(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def xlsx_rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=4, values_only=True))


def _year_with_small_counts(center, stations, year):
    """Two stations and the center itself over a year: many small cells, some months empty."""
    pattern = [0, 3, 12, 1, 25, 4, 7, 2, 0, 9, 14, 3]
    for m in range(1, 13):
        for index, station in enumerate([*stations, None]):
            for s, service in enumerate(("face_to_face", "phone", "home_visit")):
                n = pattern[(m * 3 + index * 5 + s * 7) % 12]
                if n:
                    MonthlyServiceFigure.objects.create(
                        center=center, station=station, month=dt.date(year, m, 1), service=service, person_times=n
                    )
            MonthlyStationFigure.objects.create(
                center=center,
                station=station,
                month=dt.date(year, m, 1),
                residents_served=pattern[(m + index) % 12],
                crisis_events=pattern[(m * 5 + index) % 12],
                crisis_handled=min(pattern[(m * 5 + index) % 12], pattern[(m * 7) % 12]),
            )


def test_statistics_page_and_exports_survive_the_recovery_test(center, station, other_station, official, client_for):
    year = timezone.localdate().year - 1  # a whole year: months still to come read "—"
    _year_with_small_counts(center, [station, other_station], year)
    client = client_for(official)
    html = client.get(reverse("centers:statistics"), {"year": year}).content.decode()
    tables = page_tables(html)
    month, by_station, people = tables["table-by_month"], tables["table-by_station"], tables["table-people"]
    assert any(SMALL in row for row in month) and any(HIDDEN in row for row in month)
    assert_statistics_safe(month, by_station, people)
    # the exports carry the same cells
    for key, rows in (("by_month", month), ("by_station", by_station), ("people", people)):
        exported = xlsx_rows(client.get(reverse("centers:statistics_export", args=[key, "xlsx"]), {"year": year}))
        assert [[str(v) for v in row] for row in exported if row[0] is not None][: len(rows)] == rows
        csv_rows = [
            line.split(",")
            for line in client.get(reverse("centers:statistics_export", args=[key, "csv"]), {"year": year})
            .content.decode("utf-8-sig")
            .splitlines()[1:]
        ]
        assert csv_rows == rows
    # the charts leave a gap exactly where the table hides a cell
    data = chart(html, "chart-by_month")
    for j, dataset in enumerate(data["datasets"], start=1):
        for i, value in enumerate(dataset["data"]):
            assert (value is None) == (month[i][j] in (SMALL, HIDDEN))
            assert value is None or str(value) == month[i][j]
    totals = chart(html, "chart-by_station")["values"]
    assert [v is None for v in totals] == [row[-1] in (SMALL, HIDDEN) for row in by_station]


def test_the_leak_the_old_rule_had_is_closed(center, station, official, client_for):
    """A month with 3 face-to-face and 6 phone sessions: "<5", 6, 9 gave the 3 away."""
    year = timezone.localdate().year - 1  # a whole year: months still to come read "—"
    for m in range(1, 13):
        for service, n in (("face_to_face", 3 if m == 3 else 10 + m), ("phone", 6)):
            MonthlyServiceFigure.objects.create(
                center=center, station=station, month=dt.date(year, m, 1), service=service, person_times=n
            )
    month = page_tables(client_for(official).get(reverse("centers:statistics"), {"year": year}).content.decode())
    march = month["table-by_month"][2]
    assert march[1] == SMALL and march[2] == HIDDEN and march[3] == "9"
    assert_statistics_safe(month["table-by_month"], month["table-by_station"])


def test_months_still_to_come_read_no_figure_and_take_no_part(center, station, official, client_for):
    today = timezone.localdate()
    MonthlyServiceFigure.objects.create(
        center=center, station=station, month=today.replace(day=1), service="phone", person_times=12
    )
    html = client_for(official).get(reverse("centers:statistics"), {"year": today.year}).content.decode()
    month = page_tables(html)["table-by_month"]
    assert [row[1:] == ["—", "—"] for row in month] == [i > today.month for i in range(1, 13)]
    assert_statistics_safe(month, page_tables(html)["table-by_station"])


def _weeks(center, station, rows, end_week):
    for index, (g, s, h) in enumerate(reversed(rows)):
        WeeklyWarningFigure.objects.create(
            center=center,
            station=station,
            week_start=end_week - dt.timedelta(weeks=index),
            general=g,
            serious=s,
            high_risk=h,
        )


def test_warning_pages_and_exports_survive_the_recovery_test(center, station, other_station, official, client_for):
    end_week = week_start(timezone.localdate())
    series = [(8 + (w % 5), w % 4, (w * 3) % 7) for w in range(70)]
    series[60] = (30, 2, 6)  # a spike
    series[50] = (2, 1, 0)  # a quiet week inside a line's window
    _weeks(center, station, series, end_week)
    _weeks(center, other_station, [(w % 6, 0, w % 2) for w in range(70)], end_week)
    client = client_for(official)
    for params in ({"station": station.pk}, {"station": other_station.pk}, {}):
        html = client.get(reverse("centers:statistics_warning"), params).content.decode()
        rows = page_tables(html)["table-warning"]
        assert len(rows) == sel.CURVE_WEEKS
        assert_warning_safe(rows)
        exported = xlsx_rows(client.get(reverse("centers:statistics_export", args=["warning", "xlsx"]), params))
        assert [[_same(v) for v in row] for row in exported[: len(rows)]] == [[_same(v) for v in row] for row in rows]
        data = chart(html, "chart-warning")
        line = data["datasets"][3]["data"]
        assert [v is None for v in line] == [row[5] == "—" for row in rows]
    street = page_tables(client.get(reverse("centers:statistics_warning")).content.decode())["table-warning"]
    assert any(row[5] != "—" for row in street)  # the street's line still shows where it gives nothing away


def test_evaluation_figures_survive_the_recovery_test(center, station, supervisor, official, client_for, fixed_figures):
    figures = {
        **FIGURES,
        "crisis_alerts": 3,
        "crisis_alerts_acknowledged_in_time_share": 0.333,
        "follow_ups_due": 4,
        "follow_ups_done_on_time": 3,
    }
    fixed_figures[station.pk] = {**FIGURES, "appointments_person_times_phone": 2}
    earlier = svc.evaluation_quarter_open(center=center, year=2026, quarter=1, actor=supervisor)[0]
    svc.evaluation_publish(evaluation=score_all(earlier, supervisor, 6), actor=supervisor)
    fixed_figures[station.pk] = figures
    now = svc.evaluation_quarter_open(center=center, year=2026, quarter=2, actor=supervisor)[0]
    svc.evaluation_publish(evaluation=score_all(now, supervisor, 7), actor=supervisor)
    client = client_for(official)
    html = client.get(reverse("centers:evaluation_detail", args=[now.pk])).content.decode()
    rows = {row[0]: tuple(row[1:]) for row in page_tables(html)["figures"]}
    assert rows["Person-times: home visits"][0] == SMALL
    assert rows["Crisis alerts acknowledged in time"][0] == HIDDEN  # 33% of "<5" alerts would be 3
    assert_evaluation_safe(rows)
    exported = {
        row[0]: tuple("" if v is None else str(v) for v in row[1:])
        for row in xlsx_rows(client.get(reverse("centers:evaluation_detail_export", args=[now.pk, "xlsx"])))
        if row[0] in rows
    }
    assert_evaluation_safe({k: tuple(_value(v) for v in vs) for k, vs in exported.items()})


# ---------------------------------------------------------------- random tables


counts = st.integers(min_value=0, max_value=40) | st.integers(min_value=0, max_value=4)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.integers(1, 4).flatmap(lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=1, max_size=5)))
def test_random_tables_with_both_margins_cannot_be_undone(body):
    """A table with row totals, column totals and the grand total, the classic case."""
    rows, cols = len(body), len(body[0])
    values = {(i, j): body[i][j] for i in range(rows) for j in range(cols)}
    values.update({(i, "t"): sum(body[i]) for i in range(rows)})
    values.update({("t", j): sum(body[i][j] for i in range(rows)) for j in range(cols)})
    values[("t", "t")] = sum(map(sum, body))
    eqs = [equation((i, "t"), [(i, j) for j in range(cols)]) for i in [*range(rows), "t"]]
    eqs += [equation(("t", j), [(i, j) for i in range(rows)]) for j in [*range(cols), "t"]]
    state = suppress_cells(values, eqs)
    cells = {k: {"small": SMALL, "hidden": HIDDEN}.get(state[k], v) for k, v in values.items()}
    assert all(cells[k] == SMALL for k, v in values.items() if v < 5)  # every small count reads "<5"
    reader_eqs = [{eq.left[0]: 1, **dict.fromkeys(eq.right, -1)} for eq in eqs]
    assert not solvable(cells, reader_eqs)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, None]), st.integers(1, 12), st.sampled_from(["face_to_face", "phone"]), counts
        ),
        max_size=30,
    )
)
def test_random_years_of_statistics_cannot_be_undone(service_rows):
    year = 2026
    merged: dict = {}
    for station_id, m, service, n in service_rows:
        if n:
            merged[(station_id, dt.date(year, m, 1), service)] = n
    tables = sel.monthly_tables_from(
        year=year,
        service_rows=[(*k, n) for k, n in merged.items()],
        station_rows=[],
        stations={1: "A", 2: "B"},
    )
    assert_statistics_safe(tables["by_month"].shown, tables["by_station"].shown)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(counts, counts, counts), min_size=64, max_size=64))
def test_random_warning_series_cannot_be_undone(weeks):
    first = dt.date(2025, 1, 6)
    totals = [sum(w) for w in weeks]
    points = []
    for index in range(12, 64):
        window = totals[index - 12 : index]
        line = round(statistics.fmean(window) + 2 * statistics.stdev(window), 1)
        g, s, h = weeks[index]
        points.append(sel.WeekPoint(first + dt.timedelta(weeks=index), g, s, h, 0, line, tuple(window)))
    view = sel.warning_view(points)
    assert_warning_safe(view.table.shown)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries(dict.fromkeys(("f", "p", "h", "alerts", "due"), counts)), counts, counts)
def test_random_evaluation_figures_cannot_be_undone(n, acknowledged, done):
    figures = {
        "appointments_person_times_face_to_face": n["f"],
        "appointments_person_times_phone": n["p"],
        "appointments_person_times_home_visit": n["h"],
        "person_times_total": n["f"] + n["p"] + n["h"],
        "appointments_sessions_completed": n["f"] + n["p"] + n["h"],
        "appointments_no_show_rate": 0.1,
        "crisis_alerts": n["alerts"],
        "crisis_alerts_acknowledged_in_time_share": round(min(acknowledged, n["alerts"]) / n["alerts"], 3)
        if n["alerts"]
        else None,
        "follow_ups_due": n["due"],
        "follow_ups_on_time_share": round(min(done, n["due"]) / n["due"], 3) if n["due"] else None,
    }
    older = {
        **figures,
        "appointments_person_times_phone": n["p"] + 1,
        "person_times_total": figures["person_times_total"] + 1,
    }
    older["appointments_sessions_completed"] = older["person_times_total"]
    rows = figure_rows(
        evaluation=SimpleNamespace(figures=figures), previous=SimpleNamespace(figures=older), official=True
    )
    assert_evaluation_safe({str(r.figure.label): (r.shown, r.previous_shown, r.change) for r in rows})
