"""The shared cache on Redis, falling back to the database cache when Redis cannot be reached.

The sign-in limits and lockout (allauth's rate limits), the conversation limits and the access cache
keep their counters in the default cache. With a plain Redis backend, Redis being down turned every
sign-in into a server error. This backend sends each call to Redis and, when Redis does not answer,
to the database cache (``settings.FUCHENG_FALLBACK_CACHE``, Django's ``DatabaseCache``): limits keep
counting (in the database) and nobody is locked out of the portal by a cache outage.

After a failure the process does not try Redis again for ``RETRY_AFTER_SECONDS``, so a request during
an outage pays the connection timeout at most once per process and interval, not on every call.
Counters are not copied between the two stores: a limit's window restarts when the store changes,
which only ever loosens a limit for one window, never locks anyone out.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
RETRY_AFTER_SECONDS = 5.0


class RedisWithDatabaseFallback(RedisCache):
    """Django's Redis cache; every call goes to the fallback cache while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias = options.pop("FALLBACK", "fallback")
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def fallback(self):
        return caches[self._fallback_alias]

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as exc:
                with self._lock:
                    self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning("cache: Redis unreachable (%s), using the database cache", exc.__class__.__name__)
        return getattr(self.fallback, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        return self._call("clear")
