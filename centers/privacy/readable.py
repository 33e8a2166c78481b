"""The "my data" export in words: each section a table with translated headings and readable values.

The JSON download keeps the codes and ISO times a program needs; the page shows the same data the way a
person reads it (times in the center's time zone, yes/no, a dash for nothing). A section or a field that an app
adds later is still shown, under its stored name, until it is named here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

SECTION_TITLES = {
    "appointments": _("My sessions"),
    "waitlist": _("My waiting-list entries"),
    "cases": _("My cases"),
    "screenings": _("My questionnaires"),
    "online_conversations": _("My online conversations"),
    "workshop_registrations": _("My workshop registrations"),
}

FIELD_LABELS = {
    "service": _("Service"),
    "starts_at": _("Starts"),
    "ends_at": _("Ends"),
    "where": _("Where"),
    "counselor": _("Counselor"),
    "status": _("Status"),
    "channel": _("Channel"),
    "reason": _("Reason"),
    "visit_address": _("Visit address"),
    "booked_at": _("Booked"),
    "feedback": _("Feedback"),
    "first_day": _("From"),
    "last_day": _("To"),
    "reference": _("Reference"),
    "opened_at": _("Opened"),
    "stage": _("Stage"),
    "closed_at": _("Closed"),
    "referrals": _("Referrals"),
    "follow_ups": _("Follow-ups"),
    "instrument": _("Questionnaire"),
    "taken_at": _("Taken"),
    "score": _("Score"),
    "answers": _("Answers"),
    "started_at": _("Started"),
    "messages": _("Messages"),
    "workshop": _("Workshop"),
    "attendance": _("Attendance"),
    "note": _("Note"),
    "registered_at": _("Registered"),
    "at": _("Time"),
    "role": _("Role"),
    "place": _("Station"),
    "action": _("What was done"),
    "what": _("Part of the record"),
}

# Sections the page shows in its own way: account, record and consents above; the staff reads on their own page.
SHOWN_ABOVE = {"exported_at", "account", "resident", "consents", "wards", "record_accesses"}


def readable_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's list sections as {key, title, columns, rows}: rows are lists of cells, a cell is {"text"} or
    {"lines"} (a nested list, e.g. a conversation's messages)."""
    sections = []
    for key, value in data.items():
        if key in SHOWN_ABOVE or not isinstance(value, list):
            continue
        columns: list[str] = []
        for item in value:
            for name in item if isinstance(item, dict) else ():
                if name not in columns:
                    columns.append(name)
        rows = [[_cell(readable(item.get(name))) for name in columns] for item in value if isinstance(item, dict)]
        sections.append(
            {
                "key": key,
                "title": str(SECTION_TITLES.get(key, key)),
                "columns": [str(FIELD_LABELS.get(name, name)) for name in columns],
                "rows": rows,
            }
        )
    return sections


def _cell(shown: str | list[str]) -> dict[str, Any]:
    return {"lines": shown} if isinstance(shown, list) else {"text": shown}


def readable(value: Any) -> str | list[str]:
    """One stored value as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, str):
        return _time_in_words(value)
    if isinstance(value, dict):
        return " · ".join(f"{FIELD_LABELS.get(k, k)}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(item, dict) for item in value):
            return [" · ".join(_flat(v) for v in item.values()) for item in value]
        return ", ".join(_flat(item) for item in value)
    return str(value)


def _flat(value: Any) -> str:
    shown = readable(value)
    return "; ".join(shown) if isinstance(shown, list) else shown


def _time_in_words(text: str) -> str:
    """An ISO date or time from the export in the reader's format; any other text unchanged."""
    if len(text) < 10 or not text[:4].isdigit() or text[4:5] != "-":
        return text
    try:
        if len(text) == 10:
            return formats.date_format(dt.date.fromisoformat(text), "DATE_FORMAT")
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_naive(moment):
        return formats.date_format(moment, "DATETIME_FORMAT")
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
