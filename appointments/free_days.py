"""The days with a free time, per center, service and place, kept in the shared cache for up to a minute.

Every visit to the booking page asks which days of the next weeks still have a free time: one DISTINCT over
the center's slots (4 ms on the street dataset), the same answer for every resident of a station. With a
shared cache (CACHE_URL) the answer is kept for FUCHENG_FREE_DAYS_CACHE_SECONDS (at most 60) under the
center's version number, which every booking, cancellation or slot change at the center raises once it is
committed (signals in AppointmentsConfig.ready): the entry and the version are read in one round trip, and an
entry written under an older version is never used. A day whose last time passes the online cutoff within
the minute can still be listed; its list then says it has no free time. Which times a person may take (held
for them, their own) is never cached: the slot list of a day is read for each request.

Without a shared cache (a laptop, the tests) the setting is 0 and nothing is kept: a per-process cache would
let a day booked in one process stay free in the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

_ENTRY_KEY = "fucheng:free-days:{center}:{service}:{station}"
_VERSION_KEY = "fucheng:free-days-version:{center}"


def _seconds() -> int:
    return int(getattr(settings, "FUCHENG_FREE_DAYS_CACHE_SECONDS", 0))


def cached_days(
    *, center_id: int, service: str, station_id: int | None, load: Callable[[], list[dt.date]]
) -> list[dt.date]:
    """The days from the cache, or from load() (the database), which then fills it."""
    seconds = _seconds()
    if seconds <= 0:
        return load()
    entry_key = _ENTRY_KEY.format(center=center_id, service=service, station=station_id or "-")
    version_key = _VERSION_KEY.format(center=center_id)
    try:
        found: dict[str, Any] = cache.get_many([entry_key, version_key])
    except Exception:  # the cache is down: the database answers, as without a cache
        logger.warning("free days: cache unreachable", exc_info=True)
        return load()
    version = found.get(version_key, 0)
    stored = found.get(entry_key)
    if stored is not None and stored[0] == version:
        return list(stored[1])
    days = load()
    try:
        cache.set(entry_key, (version, days), timeout=min(60, seconds))
    except Exception:
        logger.warning("free days: could not store the days of center %s", center_id, exc_info=True)
    return days


def forget(center_id: int | None) -> None:
    """Something at the center was booked, cancelled or changed: no request may use the days kept before
    (raised after the commit, when the change is visible to the next read)."""
    if center_id is None or _seconds() <= 0:
        return

    def bump() -> None:
        key = _VERSION_KEY.format(center=center_id)
        try:
            if not cache.add(key, 1, timeout=None):
                cache.incr(key)
        except Exception:  # the entries expire within the minute all the same
            logger.warning("free days: could not raise the version of center %s", center_id, exc_info=True)

    transaction.on_commit(bump)


def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete of an appointment or a slot."""
    forget(getattr(instance, "center_id", None))
