"""The one way to queue a Celery task: after the transaction commits, by the task's registered name.

The row is the truth (an alert, a reminder, a refresh request is written first); the task only acts on
it sooner than the minute sweep would. So a broker that is down must neither undo the row nor make the
person wait: the message is published from a short-lived thread (the Redis client's connection retries
take seconds), and a failure is logged, not raised. In eager mode (tests, a first run without Redis)
the task runs in the committing thread, so what it does is visible when the request returns.

Tasks are looked up by the name given to `@shared_task(name=...)`, so a service never imports its
app's `tasks` module (which imports the services): each app's `AppConfig.ready` imports its tasks.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task_name: str, args: tuple[Any, ...]) -> None:
    try:
        current_app.tasks[task_name].apply_async(args=args, retry=False)
    except Exception as exc:  # broker unreachable (or the task unknown): the sweep acts on the row
        logger.warning("could not queue %s%s (%s); the sweep will act on the row", task_name, args, exc)


def enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Queue the task named `task_name` with `args` once the surrounding transaction commits."""

    def after_commit() -> None:
        if current_app.conf.task_always_eager:
            _send(task_name, args)
        else:
            threading.Thread(target=_send, args=(task_name, args), name=f"enqueue-{task_name}", daemon=True).start()

    transaction.on_commit(after_commit)
