"""Background work of the organisation app that is not a community or statistics sweep."""

from __future__ import annotations

from celery import shared_task

from centers.audit.log import audit_anchor
from centers.beat import SCHEDULE
from centers.sweeps.services import sweep_recorded


@shared_task(name="centers.audit.anchor")
@sweep_recorded("centers.audit.anchor", SCHEDULE)
def audit_anchor_hourly() -> int:
    """Anchor the audit chain; beat runs it every hour. Returns the anchored row id."""
    return audit_anchor().last_id
