"""Providers this app registers on the extension points of centers/hooks.py."""

from __future__ import annotations


def station_figures(*, station, start, end) -> dict:
    from .selectors import station_figures as figures

    return figures(station=station, start=start, end=end)


def person_export(*, resident) -> dict:
    from .selectors import person_export as export

    return {"appointments": export(resident=resident)}


def person_anonymise(*, resident, actor) -> None:
    from .services import resident_anonymise

    resident_anonymise(resident=resident, actor=actor)
