"""The one export helper: any table as CSV or XLSX, with the same headers and (suppressed) cells as its page.

An XLSX file opens as a clerk expects: the title and the period on top, the header row frozen below them,
numbers stored as numbers. In both formats a text cell that a spreadsheet would run as a formula (starting
with =, +, -, @, a tab or a carriage return) is neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from decimal import Decimal

from django.http import Http404, HttpResponse
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PERCENT = re.compile(r"^[+-]?\d+(\.\d+)?%$")


def neutralise(text: str) -> str:
    """Text a spreadsheet would take for a formula gets a leading apostrophe; other text is unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _typed(value) -> tuple[object, str | None]:
    """A cell's value for a spreadsheet and its number format: numbers (also "12", "+1.5", "8%") as numbers."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return neutralise(str(value)), None
    if isinstance(value, int):
        return value, None
    if isinstance(value, (float, Decimal)):
        return float(value), None
    text = str(value)
    if _NUMBER.match(text):
        number = float(text) if "." in text else int(text)
        return number, ("+0.0;-0.0;0" if text.startswith("+") else None)
    if _PERCENT.match(text):
        return float(text[:-1]) / 100, "0%"
    return neutralise(text), None


def _csv_cell(value) -> object:
    value, number_format = _typed(value)
    return f"{value:.0%}" if number_format == "0%" else value


def table_response(
    *,
    fmt: str,
    filename: str,
    title: str,
    period: str,
    headers: Sequence,
    rows: Sequence[Sequence],
    note: StrOrPromise = "",
) -> HttpResponse:
    """A download of one table; an unknown format is a 404."""
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly only with the BOM
        writer = csv.writer(buffer)
        writer.writerow([neutralise(str(h)) for h in headers])
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "-"
        sheet.append([neutralise(str(title))])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([neutralise(str(period))])
        sheet.append([neutralise(str(h)) for h in headers])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in rows:
            typed = [_typed(v) for v in row]
            sheet.append([value for value, _format in typed])
            for cell, (_value, number_format) in zip(sheet[sheet.max_row], typed, strict=False):
                if number_format:
                    cell.number_format = number_format
        if note:
            sheet.append([])
            sheet.append([neutralise(str(note))])
        sheet.freeze_panes = "A4"  # title, period and header stay in view while scrolling
        for column in sheet.iter_cols(min_row=3):
            width = max(len(str(c.value if c.value is not None else "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 2), 50)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
