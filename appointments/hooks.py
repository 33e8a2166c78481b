"""Providers this app registers on the extension points of centers/hooks.py."""

from __future__ import annotations

import datetime as dt

from appointments import selectors
from appointments.services.privacy import resident_anonymise
from centers.models import Resident, Station, User


def station_figures(*, station: Station, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    return selectors.station_figures(station=station, start=start, end=end)


def person_export(*, resident: Resident) -> dict[str, object]:
    return {"appointments": selectors.person_export(resident=resident)}


def person_anonymise(*, resident: Resident, actor: User | None) -> None:
    resident_anonymise(resident=resident, actor=actor)
