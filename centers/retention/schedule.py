"""The retention schedule: how long each kind of record is kept (settings), and the record types the apps
built on centers register (hook ``retention_record_types``), each able to list what is due and to remove it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise

from centers import hooks

# The law's floors: counseling records 10 years, hotline and conversation records 3 years, audit 6 months.
MINIMUM_YEARS = {"case": 10, "conversation": 3, "appointment": 3}
MINIMUM_AUDIT_DAYS = 183


@dataclass(frozen=True)
class DueRecord:
    """One record whose retention ends before a given moment (ids and dates only, nothing clinical)."""

    record_type: str
    object_id: int
    center_id: int
    resident_id: int | None
    due_at: dt.datetime


@dataclass(frozen=True)
class RecordType:
    """A kind of record with a retention period. `due(until)` lists the records whose period ends before
    `until`; `center_of(id)` is the record's center
    (None: no such record); `remove(ids)` deletes them (and what belongs only to them) in the caller's transaction and
    returns how many rows went. `follows_open_case`: kept while the person has an open counseling record."""

    code: str
    label: str | Promise
    setting: str
    due: Callable[[dt.datetime], Sequence[DueRecord]]
    remove: Callable[[list[int]], int]
    center_of: Callable[[int], int | None]
    follows_open_case: bool = True


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def years_for(code: str) -> int:
    return int(getattr(settings, f"FUCHENG_RETENTION_{code.upper()}_YEARS"))


def audit_days() -> int:
    return int(settings.FUCHENG_RETENTION_AUDIT_DAYS)


def batch_size() -> int:
    return max(1, int(getattr(settings, "FUCHENG_RETENTION_BATCH_SIZE", 200)))


def record_types() -> list[RecordType]:
    """Every registered record type, in registration order (cases first, then appointments)."""
    return list(hooks.collect_list("retention_record_types"))


def record_type(code: str) -> RecordType | None:
    return next((kind for kind in record_types() if kind.code == code), None)


def schedule_problems() -> list[str]:
    """What is wrong with the retention settings (empty when all is well): a period under the floor."""
    problems = []
    for code, floor in MINIMUM_YEARS.items():
        name = f"FUCHENG_RETENTION_{code.upper()}_YEARS"
        value = getattr(settings, name, None)
        if not isinstance(value, int) or value < floor:
            problems.append(f"{name} must be a whole number of years, at least {floor} (is {value!r}).")
    days = getattr(settings, "FUCHENG_RETENTION_AUDIT_DAYS", None)
    if not isinstance(days, int) or days < MINIMUM_AUDIT_DAYS:
        problems.append(
            f"FUCHENG_RETENTION_AUDIT_DAYS must be at least {MINIMUM_AUDIT_DAYS} days (six months) (is {days!r})."
        )
    size = getattr(settings, "FUCHENG_RETENTION_BATCH_SIZE", None)
    if not isinstance(size, int) or not 1 <= size <= 5000:
        problems.append(f"FUCHENG_RETENTION_BATCH_SIZE must be between 1 and 5000 (is {size!r}).")
    return problems
