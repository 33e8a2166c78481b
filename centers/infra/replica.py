"""Reading work on a streaming replica of the database, when one is configured (``DATABASE_REPLICA_URL``).

A view declares that its reads may go to the replica with ``@reads_from_replica`` (other code with
``with reading_work():``); every other read, and every write, goes to the primary. Even inside reading work
the primary answers when:

- there is no ``replica`` database alias (no ``DATABASE_REPLICA_URL``);
- the request is not a GET/HEAD, or has written anything (``db_for_write``): the rest of it reads what it
  wrote; reads inside a transaction on the primary stay there too (the audit chain's head, a locked row);
- the browser carries the pin cookie, set for ``DATABASE_REPLICA_PIN_SECONDS`` after a request that wrote
  or was a POST, so the page a form redirects to shows what was just saved (read your writes);
- the replica's replay is more than ``DATABASE_REPLICA_MAX_LAG`` seconds behind, or it cannot be reached
  (a warning is logged). The lag is measured on the standby at most every ``LAG_CHECK_SECONDS`` per process,
  so it is not a query per read.

Who is asking (the session, the user) is read before the view switches to the replica, so signing out takes
effect on the primary's word; the roles are read there too, by the staff middleware that runs before every
view (centers.middleware), not by this module. A replica that fails between two lag checks fails the
requests reading from it until the next check finds it unreachable.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
PIN_COOKIE = "fucheng_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
LAG_CHECK_SECONDS = 2.0
# A replica that did not answer is asked again only after this long: a black-holed host costs a request the
# connect timeout once per interval and process, not on every page.
UNREACHABLE_RETRY_SECONDS = 10.0

# The standby's replay lag: nothing to replay is no lag, however long ago the last commit was; a standby
# that received WAL it has not replayed is as far behind as its last replayed commit. A standby that is not
# streaming from its primary (the connection broke: what it received stays "replayed", yet it may be stale
# without limit) and NULL (nothing replayed since it started) count as too far behind. A server not in
# recovery (a test mirror) has none.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


@dataclass
class _Work:
    reading: bool = False
    pinned: bool = False
    wrote: bool = False


_work: ContextVar[_Work | None] = ContextVar("fucheng_replica_work", default=None)
_lag_seen: tuple[float, float | None] | None = None  # (valid until, on the monotonic clock; the lag or None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def max_lag() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 10))


def pin_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", max_lag()))


def _measure_lag() -> float | None:
    connection = connections[REPLICA]
    try:
        if connection.vendor != "postgresql":  # a test mirror on SQLite: the same file, no lag
            connection.ensure_connection()
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (value,) = cursor.fetchone()
    except Error as exc:
        logger.warning("The read replica cannot be reached; reading from the primary: %s", exc)
        with contextlib.suppress(Error):
            connection.close()
        return None
    return math.inf if value is None else float(value)


def replica_lag() -> float | None:
    """Seconds the replica's replay is behind (None: unreachable), measured at most every few seconds."""
    global _lag_seen
    now = time.monotonic()
    seen = _lag_seen
    if seen is not None and now < seen[0]:
        return seen[1]
    lag = _measure_lag()
    _lag_seen = (now + (LAG_CHECK_SECONDS if lag is not None else UNREACHABLE_RETRY_SECONDS), lag)
    if lag is not None and lag > max_lag():
        logger.info("The read replica is %.1f s behind (bound %.1f s); reading from the primary", lag, max_lag())
    return lag


def replica_lag_forget() -> None:
    """Measure the lag again on the next read (tests, and an operator's shell after a failover)."""
    global _lag_seen
    _lag_seen = None


def _use_replica() -> bool:
    work = _work.get()
    if work is None or not work.reading or work.pinned or not replica_configured():
        return False
    if connections[PRIMARY].in_atomic_block:
        return False
    lag = replica_lag()
    return lag is not None and lag <= max_lag()


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reading work to the replica when it may, everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return REPLICA if _use_replica() else PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        work = _work.get()
        if work is not None:
            work.wrote = work.pinned = True
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True  # the same rows, one of them read a moment later
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


@contextlib.contextmanager
def reading_work() -> Iterator[None]:
    """Reads in this block may go to the replica, unless this request (or thread) already wrote."""
    work = _work.get()
    token = None
    if work is None:
        work = _Work()
        token = _work.set(work)
    was_reading, work.reading = work.reading, True
    try:
        yield
    finally:
        work.reading = was_reading
        if token is not None:
            _work.reset(token)


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def reads_from_replica(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose GET reads may go to the replica (reports, statistics, exports); its POST never does."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        _signed_in(request)  # who is asking is read on the primary, before the switch
        with reading_work():
            return view(request, *args, **kwargs)

    return wrapped


def _pin_cookie_live(request: HttpRequest) -> bool:
    raw = request.COOKIES.get(PIN_COOKIE, "")
    return raw.isdigit() and int(raw) > time.time()


class ReplicaPinMiddleware:
    """Keeps a request that writes (or posts) on the primary, and the browser's next few seconds with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        work = _Work(pinned=request.method not in SAFE_METHODS or _pin_cookie_live(request))
        token = _work.set(work)
        try:
            response = self.get_response(request)
        finally:
            _work.reset(token)
        if replica_configured() and (work.wrote or request.method not in SAFE_METHODS):
            seconds = pin_seconds()
            response.set_cookie(
                PIN_COOKIE,
                str(math.ceil(time.time() + seconds)),
                max_age=math.ceil(seconds),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
