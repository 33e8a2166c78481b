"""Point a database alias at another database for the length of a block (the read replica's tests).

The alias is added when settings have none (the ordinary suite runs without DATABASE_REPLICA_URL) and put
back as it was afterwards; its connection in this thread is closed on the way in and out. Django's test
case refuses queries to an alias it was not told of, and learns the aliases when the test starts: open
the block in a module- or session-scoped fixture, and name the alias in the test's
`django_db(databases=[...])`. Give the alias `TEST={"MIRROR": "default"}` so that a transactional test's
flush leaves it alone (a standby is read-only; a mirror is the same database).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


def _drop(alias: str) -> None:
    if alias in connections.settings:
        with contextlib.suppress(AttributeError):  # no connection made in this thread yet
            connections[alias].close()
            del connections[alias]


@contextlib.contextmanager
def database_alias(alias: str, settings_dict: dict[str, Any] | None) -> Iterator[BaseDatabaseWrapper | None]:
    """`alias` connects with these settings in the block (None: there is no such alias in the block)."""
    before = connections.settings.get(alias)
    _drop(alias)
    if settings_dict is None:
        connections.settings.pop(alias, None)
    else:
        connections.settings[alias] = settings_dict
    try:
        yield connections[alias] if settings_dict is not None else None
    finally:
        _drop(alias)
        if before is None:
            connections.settings.pop(alias, None)
        else:
            connections.settings[alias] = before


def settings_like_default(**changes: Any) -> dict[str, Any]:
    """The test database's connection settings (its test name included), with some changed."""
    return {**copy.deepcopy(connections["default"].settings_dict), **changes}
