"""PostgreSQL through psycopg2, without the health check's round trip on a connection that was just used.

Django's CONN_HEALTH_CHECKS pings a persistent connection (`SELECT 1`) before the first query of every
request, so a connection PostgreSQL dropped (a restart, a failover) is replaced instead of failing the
request. Under load that is one extra round trip per request on a connection that answered a moment ago.
Here the ping is skipped while the connection's last use is younger than DJANGO_DB_PING_AFTER seconds
(default 5); an older connection is pinged as before. A connection with an error since its last use is
checked by Django whatever its age (close_if_unusable_or_obsolete), so a dead one is replaced on the
request after the first that found it; the cost of skipping is that a request starting within those
seconds of a server restart can fail once, as a request running during the restart would.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.db.backends.postgresql import base

# django-stubs do not declare the health-check attributes and _cursor() this subclass uses.
_PostgreSQL: Any = base.DatabaseWrapper


class DatabaseWrapper(_PostgreSQL):
    ping_after = float(os.environ.get("DJANGO_DB_PING_AFTER", "5") or 0)
    health_check_done: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_used: float | None = None

    def connect(self) -> None:
        super().connect()
        self.last_used = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.last_used is not None
            and time.monotonic() - self.last_used < self.ping_after
        ):
            self.health_check_done = True  # used a moment ago: trusted for this request without a ping
            return
        super().close_if_health_check_failed()

    def _cursor(self, name: str | None = None) -> Any:
        cursor = super()._cursor(name)
        self.last_used = time.monotonic()
        return cursor
