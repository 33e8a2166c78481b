"""The append-only, hash-chained audit log (ARCHITECTURE.md section 5).

`audit_record` is called by services inside their own transaction, so the row
exists exactly when the change it describes does. It never stores clinical text:
callers pass ids and codes, not notes or answers.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .bulk import insert_rows, next_ids
from .models import AuditEvent, AuditOutcome

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 7_406_221  # any constant; serialises appends to the chain on PostgreSQL


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None


_NO_REQUEST = RequestContext()
current_request: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("fucheng_audit_request")
# Set per request by centers.middleware.AuditDeniedMiddleware: did a service already record a denial?
denial_recorded: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("fucheng_denial", default=None)


def _canonical(event: AuditEvent) -> str:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    parts = [
        event.prev_hash,
        at,
        str(event.actor_id or ""),
        event.actor_label,
        event.role,
        str(event.center_id_at or ""),
        str(event.station_id_at or ""),
        event.action,
        event.object_type,
        event.object_id,
        event.outcome,
        event.ip or "",
        json.dumps(event.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    ]
    return "\x1f".join(parts)


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def _role_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonymous"
    from .policies import roles_of

    roles = sorted(roles_of(actor))
    if roles:
        return ",".join(roles)
    if hasattr(actor, "resident"):
        return "resident"
    return "superuser" if actor.is_superuser else "account"


def role_display(code: str) -> str:
    """An audit row's role code in the reader's language: "counselor,supervisor" becomes "心理咨询师、中心督导".
    A code that is not a role (an old or unknown one) is shown as stored."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from .models import Role

    names = {
        "resident": _("Resident"),
        "system": _("System"),
        "anonymous": _("No account (visitor or system)"),
        "superuser": _("Administrator"),
        "account": _("Account without a role"),
        **dict(Role.choices),
    }
    if not code:
        return ""
    return pgettext("list separator", ", ").join(str(names.get(part, part)) for part in code.split(","))


def _chain_head() -> str:
    """Take the chain's lock for the rest of the transaction (PostgreSQL: writers queue here, so no two rows
    chain to the same one) and return the hash the next row chains to."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = AuditOutcome.ALLOWED,
    center_id: int | None = None,
    station_id: int | None = None,
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one audit row in the caller's transaction. Detail holds ids and codes only."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        center_id = center_id if center_id is not None else getattr(obj, "center_id", None)
        station_id = station_id if station_id is not None else getattr(obj, "station_id", None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    last = _chain_head()
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if authenticated else None,
        actor_label=(actor_label if actor_label is not None else (str(actor.pk) if authenticated else ""))[:150],
        role=_role_label(actor)[:40],
        center_id_at=center_id,
        station_id_at=station_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        outcome=outcome,
        ip=current_request.get(_NO_REQUEST).ip,
        detail=detail or {},
        prev_hash=last,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    if outcome == AuditOutcome.DENIED and (flag := denial_recorded.get()) is not None:
        flag.append(True)
    return event


def audit_page_view(
    *,
    actor,
    action: str,
    shown: dict[str, list[int]],
    center_id: int | None = None,
    station_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """One row for one view of a page that shows people (a list, the workspace, a search's results): what was
    on it, as ids per kind (`{"cases": [3, 7]}`), never names. One row per page, not one per row shown, so a
    long list costs one write and the page's queries do not grow with it."""
    listed = {kind: sorted({int(pk) for pk in ids}) for kind, ids in shown.items()}
    return audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        center_id=center_id,
        station_id=station_id,
        detail={**(detail or {}), "shown": listed},
    )


@dataclass(frozen=True)
class AuditEntry:
    """One row for `audit_record_many`: what `audit_record` takes, without the actor (given once for all)."""

    action: str
    object_type: str = ""
    object_id: str | int = ""
    center_id: int | None = None
    station_id: int | None = None
    detail: dict[str, Any] | None = None
    outcome: str = AuditOutcome.ALLOWED


_BATCH_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "role",
    "center_id_at",
    "station_id_at",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "detail",
    "prev_hash",
    "hash",
)


@transaction.atomic
def audit_record_many(entries: list[AuditEntry], *, actor=None, actor_label: str | None = None) -> int:
    """Append several rows in the caller's transaction; return how many. Without `actor` they are a system
    action's (a sweep: `actor_label` "system"); with one, a signed-in person's, as `audit_record` writes them
    (the case page's two reads: one write instead of two transactions).

    The chain lock is taken once and the last hash read once for the whole list; the rows are chained in
    memory and inserted in one statement. On PostgreSQL their ids are taken from the table's sequence first,
    ascending in chain order, so `audit_verify` (which walks by id) finds them in the order they were chained.
    """
    if not entries:
        return 0
    postgres = connection.vendor == "postgresql"
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if actor_label is None:  # as audit_record: the account's id, nothing for a visitor; "system" for no actor
        actor_label = str(actor.pk) if authenticated else ("" if actor is not None else "system")
    prev = _chain_head()
    at = timezone.now()
    common = {
        "at": at,
        "actor_id": actor.pk if authenticated else None,
        "actor_label": actor_label[:150],
        "role": _role_label(actor if authenticated else None)[:40],
        "ip": current_request.get(_NO_REQUEST).ip,
    }
    rows = []
    for entry in entries:
        row = _ChainRow(
            **common,
            center_id_at=entry.center_id,
            station_id_at=entry.station_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=str(entry.object_id or ""),
            outcome=entry.outcome,
            detail=entry.detail or {},
            prev_hash=prev,
        )
        row.hash = prev = compute_hash(row)
        rows.append(tuple(getattr(row, name) for name in _BATCH_COLUMNS))
    if postgres:
        ids = next_ids(AuditEvent, len(rows))
        insert_rows(AuditEvent, ("id", *_BATCH_COLUMNS), [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
    else:  # one writer at a time (SQLite): the rows are numbered in the order they are given
        insert_rows(AuditEvent, _BATCH_COLUMNS, rows)
    if any(entry.outcome == AuditOutcome.DENIED for entry in entries) and (flag := denial_recorded.get()) is not None:
        flag.append(True)  # as audit_record: the middleware does not add a second, generic denied row
    return len(rows)


@dataclass
class _ChainRow:
    """What compute_hash reads of a row, without building a model instance per row."""

    at: Any
    actor_id: int | None
    actor_label: str
    role: str
    ip: str | None
    center_id_at: int | None
    station_id_at: int | None
    action: str
    object_type: str
    object_id: str
    outcome: str
    detail: dict
    prev_hash: str
    hash: str = ""


def audit_verify(*, batch_size: int = 5000) -> list[str]:
    """Walk the chain; return one message per broken link (empty when intact)."""
    problems: list[str] = []
    expected_prev: str | None = None
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if expected_prev is not None and event.prev_hash != expected_prev:
                problems.append(f"row {event.id}: previous row missing or changed (chain broken before it)")
            if compute_hash(event) != event.hash:
                problems.append(f"row {event.id}: contents do not match its hash (edited)")
            expected_prev = event.hash
            last_id = event.id
    return problems
