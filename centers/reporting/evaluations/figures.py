"""Which figures an evaluation shows and how they read (the small-count rule is in disclosure.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Figure:
    key: str
    label: StrOrPromise
    kind: str  # count, share, mean, hours
    higher_is_better: bool = True


# Keys come from the `station_figures` providers (appointments, cases, community); the two derived ones
# (person_times_total, follow_ups_on_time_share) are added by evaluations.selectors.figures_compute.
FIGURES: list[Figure] = [
    Figure("person_times_total", _("Person-times, all services"), "count"),
    Figure("appointments_person_times_face_to_face", _("Person-times: face-to-face counseling"), "count"),
    Figure("appointments_person_times_phone", _("Person-times: phone consultation"), "count"),
    Figure("appointments_person_times_home_visit", _("Person-times: home visits"), "count"),
    Figure("appointments_residents_served", _("Residents served"), "count"),
    Figure("appointments_sessions_completed", _("Sessions completed"), "count"),
    Figure("appointments_no_show_rate", _("No-show rate"), "share", higher_is_better=False),
    Figure("appointments_median_wait_hours", _("Median wait from booking to session (hours)"), "mean", False),
    Figure("crisis_alerts", _("Crisis alerts"), "count"),
    Figure("crisis_alerts_acknowledged_in_time_share", _("Crisis alerts acknowledged in time"), "share"),
    Figure("follow_ups_due", _("Follow-ups due"), "count"),
    Figure("follow_ups_on_time_share", _("Follow-ups done on time"), "share"),
    Figure("referrals_completed", _("Referrals completed"), "count"),
    Figure("appointments_satisfaction_mean", _("Mean satisfaction (1–5)"), "mean"),
    Figure("workshops_held", _("Workshops held"), "count"),
    Figure("workshop_participants", _("Workshop participants"), "count"),
    Figure("volunteer_hours", _("Volunteer hours"), "hours"),
]


def jsonable(value: object) -> object:
    """A figure as stored in an evaluation's JSON: decimals as floats, the rest as they are."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def display(figure: Figure, value: object) -> str | int:
    """The figure as read: counts whole, shares as percentages (officials' counts go through
    disclosure.suppress_cells first)."""
    if value is None:
        return "—"
    if figure.kind == "count":
        return int(value)  # type: ignore[call-overload]  # a count: int, Decimal or float from the JSON
    number = float(value)  # type: ignore[arg-type]  # a share, mean or hours: a number from the JSON
    if figure.kind == "share":
        return f"{number * 100:.0f}%"
    if figure.kind == "hours":
        return f"{number:.1f}"
    return f"{number:.2f}" if figure.key.endswith("mean") else f"{number:.1f}"


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a quarter in the current time zone."""
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, 3 * (quarter - 1) + 1, 1, tzinfo=tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz) if quarter == 4 else dt.datetime(year, 3 * quarter + 1, 1, tzinfo=tz)
    return start, end


def quarter_has_ended(year: int, quarter: int) -> bool:
    """Whether the quarter is over, so its figures are complete."""
    return quarter_bounds(year, quarter)[1] <= timezone.now()


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1
