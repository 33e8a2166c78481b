"""Exports a clerk can use: a title and period row, a frozen header, numbers as numbers, and no text that a
spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from centers.models import Station
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import MonthlyServiceFigure
from centers.reporting.exports import neutralise
from tests.centers.evaluations.conftest import score_all

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("东社区") == "东社区" and neutralise("a=b") == "a=b"


def test_station_names_cannot_run_as_formulas_in_csv_or_xlsx(center, official, client_for):
    year = timezone.localdate().year - 1  # a whole year: months still to come read "—"
    for index, name in enumerate(HOSTILE):
        station = Station.objects.create(center=center, name=name, code=f"h{index}")
        for month in range(1, 13):  # no small counts anywhere, so every figure shows
            MonthlyServiceFigure.objects.create(
                center=center, station=station, month=dt.date(year, month, 1), service="phone", person_times=20 + index
            )
    client = client_for(official)
    url = reverse("centers:statistics_export", args=["by_station", "csv"])
    text = client.get(url, {"year": year}).content.decode("utf-8-sig")
    for name in HOSTILE:  # each name sits in its own cell, behind an apostrophe
        quoted = name.replace('"', '""')
        assert f'"\'{quoted}"' in text or f"\r\n'{name}," in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(not row[0].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows)
    sheet = load_workbook(
        io.BytesIO(
            client.get(reverse("centers:statistics_export", args=["by_station", "xlsx"]), {"year": year}).content
        )
    ).active
    assert sheet["A1"].value == f"{center.name} · Person-times by station and service"
    assert sheet["A2"].value == f"Year {year}" and sheet.freeze_panes == "A4"
    body = list(sheet.iter_rows(min_row=4, max_row=3 + len(HOSTILE)))
    assert {row[0].value for row in body} == {"'" + n.replace("\r", "\n") for n in HOSTILE}  # XML keeps CR as LF
    assert all(row[0].data_type == "s" for row in body)  # text, never a formula cell
    assert all(row[1].data_type == "n" and isinstance(row[1].value, int) for row in body)  # numbers as numbers


def test_ranking_change_is_a_number_in_xlsx(center, station, supervisor, official, client_for, fixed_figures):
    first = svc.evaluation_quarter_open(center=center, year=2026, quarter=1, actor=supervisor)[0]
    svc.evaluation_publish(evaluation=score_all(first, supervisor, 8), actor=supervisor)
    second = svc.evaluation_quarter_open(center=center, year=2026, quarter=2, actor=supervisor)[0]
    svc.evaluation_publish(evaluation=score_all(second, supervisor, 6), actor=supervisor)
    response = client_for(official).get(
        reverse("centers:evaluation_ranking_export", args=["xlsx"]), {"period": "2026-2"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "2026 Q2" and sheet["A3"].value == "Rank"
    total, last, change = sheet["C4"], sheet["D4"], sheet["E4"]
    assert (total.value, last.value, change.value) == (60.0, 80.0, -20.0)
    assert change.data_type == "n"  # "-20.0" on the page; a number here, not neutralised text
