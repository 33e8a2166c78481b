"""A signed-in person's roles and second-factor state, kept between requests in the shared cache.

Every request of a signed-in person needs both before its view runs (is this a staff member, does
the account have an authenticator app): two queries. With a shared cache (``CACHE_URL``, Redis) they
are read from one cache entry instead, for at most ``FUCHENG_ACCESS_CACHE_SECONDS``.

A withdrawn role must not live on, so an entry is only trusted while the user's version number is
the one it was written under. Saving or deleting a membership or an authenticator raises the
version once the change is committed (signals below); a request that loaded the old rows before the
commit wrote them under the old version, and its entry is never read again. If the cache cannot be
reached the rows are read from the database, as without a cache; if a version could not be raised
(the cache was down at the time), the entry expires after the timeout all the same.

Without a shared cache (the default on a laptop and in tests) the setting is 0 and nothing is kept:
a per-process cache would let a role withdrawn in one worker live on in the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

_ENTRY_KEY = "fucheng:access:{}"
_VERSION_KEY = "fucheng:access-version:{}"
_REQUEST_ATTR = "_fucheng_access_entry"


def enabled() -> bool:
    return getattr(settings, "FUCHENG_ACCESS_CACHE_SECONDS", 0) > 0


def _shared_cache() -> bool:
    """The default cache is one all processes see (Redis, database, memcached), not this process's own."""
    default: Any = settings.CACHES["default"]
    backend: str = default["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def value(user: Any, name: str, load: Callable[[], Any]) -> Any:
    """``name`` ("memberships" or "second_factor") for ``user``: from this request, from the shared
    cache, or from ``load()`` (the database), which then fills the cache."""
    entry = getattr(user, _REQUEST_ATTR, None)
    if entry is None:
        entry = _read(user.pk)
        setattr(user, _REQUEST_ATTR, entry)
    if name not in entry["values"]:
        entry["values"][name] = load()
        _write(user.pk, entry)
    return entry["values"][name]


def forget(user_id: int) -> None:
    """The user's roles or factors changed: no request may use the entry written before."""

    def bump() -> None:
        key = _VERSION_KEY.format(user_id)
        try:
            # add() creates the version with no expiry; incr() raises it for every later change.
            if not cache.add(key, 1, timeout=None):
                cache.incr(key)
        except Exception:  # the cache is down: the entry expires after its timeout
            logger.warning("access cache: could not raise the version of user %s", user_id, exc_info=True)

    # Raised whenever the cache is shared, even by a process that does not read entries itself (a
    # management command, a worker started with the cache time set to 0): the web workers do.
    if enabled() or _shared_cache():
        transaction.on_commit(bump)


def forget_in_request(user: Any) -> None:
    """Read the user's rows from the database for the rest of this request (they were just changed,
    and the shared entry stays valid until the change is committed)."""
    setattr(user, _REQUEST_ATTR, {"version": None, "values": {}, "shared": False})


def _read(user_id: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": None, "values": {}, "shared": False}
    if not enabled():
        return entry
    try:
        found = cache.get_many([_ENTRY_KEY.format(user_id), _VERSION_KEY.format(user_id)])
    except Exception:
        logger.warning("access cache: unreachable, reading roles from the database", exc_info=True)
        return entry
    version = found.get(_VERSION_KEY.format(user_id), 0)
    stored = found.get(_ENTRY_KEY.format(user_id))
    entry.update(version=version, shared=True)
    if stored is not None and stored.get("version") == version:
        entry["values"] = stored["values"]
    return entry


def _write(user_id: int, entry: dict[str, Any]) -> None:
    if not entry["shared"]:
        return
    try:
        cache.set(
            _ENTRY_KEY.format(user_id),
            {"version": entry["version"], "values": entry["values"]},
            timeout=settings.FUCHENG_ACCESS_CACHE_SECONDS,
        )
    except Exception:
        logger.warning("access cache: could not store the roles of user %s", user_id, exc_info=True)


def _changed(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    forget(instance.user_id)


def connect_signals(*models: type[Model]) -> None:
    """Saving or deleting a row of ``models`` (memberships, authenticators: anything with a ``user_id``) ends
    the user's entry. (Changes that send no signal: Membership's queryset calls forget() itself on update()
    and bulk_create().)"""
    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"access_cache_save_{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"access_cache_delete_{model._meta.label}")
