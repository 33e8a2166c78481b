"""Calendar arithmetic, one spelling each: months by dateutil's relativedelta, weeks from Monday."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta


def month_start(day: dt.date) -> dt.date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clipped to the month's end (31 January + 1 month = 28/29 February)."""
    return day + relativedelta(months=months)


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())
