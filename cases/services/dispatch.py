"""The outbox dispatcher: sends due messages without the broker, and tells people when the crisis sweep stops.

Run as its own process (`manage.py dispatch_outbox`). Every few seconds it sends the unsent notification rows and
the due appointment messages through the same services the sweep calls; both lock each row with
`select_for_update(skip_locked=True)` and mark it sent in that transaction, so the dispatcher, the sweep and a
Celery task may run side by side and no message leaves twice. Nothing here touches Redis: with the broker down,
messages still leave within one pass.

It also watches the crisis sweep (`cases.sweep`, which escalates alerts and chases deadlines): when its last run
is older than five minutes, the supervisors and the escalation contact of every center are told once for that
outage, and told again when it runs.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connections, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from appointments.services.reminders import reminders_send_due
from cases.recipients import supervisor_list
from cases.services import notifications
from cases.services.notifications import contact_notify, users_notify
from centers.audit.log import audit_record
from centers.messaging.services import messages_dispatch_now
from centers.models import Center
from centers.sweeps.models import SweepRun
from centers.sweeps.services import sweep_outage_mark

logger = logging.getLogger("fucheng.dispatch")

CRISIS_SWEEP = "cases.sweep"
STOPPED_AFTER = dt.timedelta(minutes=5)


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _tell_everyone(*, now: dt.datetime, key: str, subject: str, text: str, action: str) -> int:
    """Supervisors (workspace, email, SMS) and the escalation contact of every center; once per key."""
    stored = 0
    for center in Center.objects.order_by("pk"):
        center_key = f"{key}:{center.pk}"
        rows = users_notify(
            users=supervisor_list(center=center), center=center, now=now, subject=subject, text=text, key=center_key
        )
        rows += contact_notify(center=center, now=now, subject=subject, text=text, key=center_key)
        if rows:
            audit_record(actor=None, action=action, obj=center, detail={"key": key}, actor_label="system")
        stored += len(rows)
    return stored


@transaction.atomic
def crisis_sweep_watch(*, now: dt.datetime | None = None) -> str:
    """Say once that the crisis sweep stopped, and once that it is back. Returns "stopped", "back" or ""."""
    now = now or timezone.now()
    run = SweepRun.objects.select_for_update(skip_locked=True).filter(name=CRISIS_SWEEP).first()
    if run is None:  # never ran (a new install), or another dispatcher is looking at it right now
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        if now - run.last_run_at > STOPPED_AFTER:
            if run.outage_since == run.last_run_at:
                return ""  # this outage has been told already
            _tell_everyone(
                now=now,
                key=f"sweep-stopped:{int(run.last_run_at.timestamp())}",
                subject=str(_("The crisis sweep has stopped")),
                text=str(
                    _(
                        "Crisis alerts are not escalated and deadlines are not chased: the sweep last ran at "
                        "%(when)s. Messages still leave. Check the scheduler (Celery beat) and the workers now, "
                        "and watch open alerts by hand until it runs again."
                    )
                    % {"when": _when(run.last_run_at)}
                ),
                action="sweep.stopped",
            )
            sweep_outage_mark(run=run, since=run.last_run_at)
            logger.error("dispatch: the crisis sweep has not run since %s", run.last_run_at.isoformat())
            return "stopped"
        if run.outage_since is not None:
            _tell_everyone(
                now=now,
                key=f"sweep-back:{int(run.outage_since.timestamp())}",
                subject=str(_("The crisis sweep is running again")),
                text=str(
                    _(
                        "The sweep ran again at %(when)s after a stop since %(since)s; late escalations are "
                        "being caught up now."
                    )
                    % {"when": _when(run.last_run_at), "since": _when(run.outage_since)}
                ),
                action="sweep.resumed",
            )
            sweep_outage_mark(run=run, since=None)
            logger.warning("dispatch: the crisis sweep runs again")
            return "back"
    return ""


STEPS = (
    ("sweep_watch", crisis_sweep_watch),
    ("notifications_sent", notifications.notifications_send),
    ("reminders_sent", reminders_send_due),
    ("messages_sent", messages_dispatch_now),  # the outbox (centers.messaging): anything queued elsewhere
)


def close_old_connections() -> None:
    """Django's `close_old_connections`, except for a connection inside a transaction (a caller's, or a test's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def outbox_dispatch() -> dict[str, object]:
    """One pass: watch the crisis sweep, then send what is due. A failing step is logged; the others still run."""
    close_old_connections()  # a long-lived process: drop a connection the database has closed
    result: dict[str, object] = {}
    for name, step in STEPS:
        try:
            result[name] = step()
        except Exception as exc:  # the database away, a channel down: try again on the next pass
            logger.warning("dispatch: %s failed: %s", name, exc)
            result[name] = "failed"
            close_old_connections()
    return result
