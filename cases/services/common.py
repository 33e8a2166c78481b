"""Shared steps of every case write: the timeline event, the audit row, the row lock, the permission check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import (
    Case,
    CaseEvent,
)
from centers.audit.log import audit_record
from centers.models import User

SYSTEM = "system"  # the audit label of a write no signed-in person made (a sweep, a visitor)


def event_add(
    case: Case,
    actor: User | None,
    kind: str,
    *,
    from_value: object = "",
    to_value: object = "",
    reason: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """A row on the case's timeline (by a signed-in person, or by the system)."""
    event = CaseEvent(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        from_value=str(from_value)[:40],
        to_value=str(to_value)[:40],
        reason=reason,
        at=at or timezone.now(),
    )
    event.save()
    return event


def case_audit(actor: User | None, action: str, case: Case, **detail: Any) -> None:
    """The audit row of a write to a case, in the caller's transaction."""
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        obj=case,
        object_type="cases.case",
        object_id=case.pk,
        detail=detail,
        actor_label=None if getattr(actor, "is_authenticated", False) else SYSTEM,
    )


def case_lock(case: Case) -> Case:
    """The case re-read under a row lock, for the rest of the caller's transaction."""
    return Case.objects.select_for_update().get(pk=case.pk)


def permission_require(condition: bool) -> None:
    """Refuse (403) unless the policy allows it."""
    if not condition:
        raise PermissionDenied
