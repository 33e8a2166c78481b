"""The append-only, hash-chained audit log (ARCHITECTURE.md section 5).

`audit_record` is called by services inside their own transaction, so the row
exists exactly when the change it describes does. It never stores clinical text:
callers pass ids and codes, not notes or answers.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from centers.audit.models import AuditAnchor, AuditAnchorKind, AuditEvent, AuditOutcome
from centers.infra.bulk import insert_rows, next_ids
from centers.messaging.models import MessageKind
from centers.models import Administrator, AdministratorKind, Membership, Role
from centers.notify import email_send
from centers.policies import administrator_kind, roles_of

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 7_406_221  # any constant; serialises appends to the chain on PostgreSQL


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None


_NO_REQUEST = RequestContext()
current_request: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("fucheng_audit_request")
# Set per request by centers.middleware.AuditDeniedMiddleware: did a service already record a denial?
denial_recorded: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("fucheng_denial", default=None)


def audit_keys() -> dict[str, bytes]:
    """FUCHENG_AUDIT_KEYS as {key id: key}, in the order given (the first signs)."""
    keys: dict[str, bytes] = {}
    for item in (settings.FUCHENG_AUDIT_KEYS or "").split(","):
        if not item.strip():
            continue
        key_id, _, encoded = item.strip().partition(":")
        if not key_id or not encoded or len(key_id) > 16:
            raise ImproperlyConfigured("FUCHENG_AUDIT_KEYS takes 'id:base64key' pairs (id of at most 16 characters).")
        keys[key_id] = base64.b64decode(encoded)
    return keys


def _signing_key() -> tuple[str, bytes]:
    keys = audit_keys()
    if not keys:
        raise ImproperlyConfigured("FUCHENG_AUDIT_KEYS is empty: the audit chain cannot be signed.")
    key_id = next(iter(keys))
    return key_id, keys[key_id]


class UnknownAuditKey(Exception):
    pass


def _mac(key_id: str, text: str) -> str:
    key = audit_keys().get(key_id)
    if key is None:
        raise UnknownAuditKey(key_id)
    return hmac.new(key, f"{key_id}\x1f{text}".encode(), hashlib.sha256).hexdigest()


def _canonical(event: AuditEvent | _ChainRow) -> str:
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


def compute_hash(event: AuditEvent | _ChainRow) -> str:
    """The row's link in the chain: an HMAC under its key (rows from before keys were used: plain SHA-256)."""
    if event.key_id:
        return _mac(event.key_id, _canonical(event))
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def _role_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonymous"
    roles = sorted(roles_of(actor))
    if kind := administrator_kind(actor):
        roles.insert(0, f"administrator:{kind}")
    if roles:
        return ",".join(roles)
    if hasattr(actor, "resident"):
        return "resident"
    return "superuser" if actor.is_superuser else "account"


def role_display(code: str) -> str:
    """An audit row's role code in the reader's language: "counselor,supervisor" becomes "心理咨询师、中心督导".
    A code that is not a role (an old or unknown one) is shown as stored."""
    names = {
        "resident": _("Resident"),
        "system": _("System"),
        "anonymous": _("No account (visitor or system)"),
        "superuser": _("Superuser (development)"),
        "account": _("Account without a role"),
        **dict(Role.choices),
        **{f"administrator:{kind}": label for kind, label in AdministratorKind.choices},
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
        key_id=_signing_key()[0],
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
    "key_id",
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
    common: dict[str, Any] = {
        "at": at,
        "actor_id": actor.pk if authenticated else None,
        "actor_label": actor_label[:150],
        "role": _role_label(actor if authenticated else None)[:40],
        "ip": current_request.get(_NO_REQUEST).ip,
        "key_id": _signing_key()[0],
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
    key_id: str
    hash: str = ""


def _anchor_text(anchor: AuditAnchor | dict) -> str:
    get: Callable[[str], Any] = anchor.get if isinstance(anchor, dict) else (lambda name: getattr(anchor, name))
    at = get("at")
    if not isinstance(at, str):
        at = at.astimezone(UTC).isoformat(timespec="microseconds")
    fields = [at, get("kind"), get("last_id"), get("head_hash"), get("row_count"), get("base_id"), get("base_hash")]
    return "\x1f".join(str(value) for value in [*fields, get("purged_rows")])


def _anchor_document(anchor: AuditAnchor) -> dict[str, Any]:
    return {
        "at": anchor.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": anchor.kind,
        "last_id": anchor.last_id,
        "head_hash": anchor.head_hash,
        "row_count": anchor.row_count,
        "base_id": anchor.base_id,
        "base_hash": anchor.base_hash,
        "purged_rows": anchor.purged_rows,
        "key_id": anchor.key_id,
        "signature": anchor.signature,
    }


def _chain_base() -> tuple[int, str]:
    """Where the chain starts now: after the rows the latest purge removed, or at genesis."""
    purge = AuditAnchor.objects.filter(kind=AuditAnchorKind.PURGE).order_by("-id").first()
    return (purge.base_id, purge.base_hash) if purge else (0, GENESIS_HASH)


@transaction.atomic
def audit_anchor(
    *, kind: str = AuditAnchorKind.HOURLY, base: tuple[int, str] | None = None, purged_rows: int = 0
) -> AuditAnchor:
    """Record the chain's head and row count, signed, in the table and (after commit) in a file outside the
    database. Called every hour by beat, and by a purge with the new start of the chain (`base`)."""
    _chain_head()  # the chain's lock: no row is appended while it is counted
    base_id, base_hash = base if base is not None else _chain_base()
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    last_id, head_hash = last if last else (base_id, base_hash)
    key_id, _key = _signing_key()
    anchor = AuditAnchor(
        at=timezone.now(),
        kind=kind,
        last_id=last_id,
        head_hash=head_hash,
        row_count=AuditEvent.objects.filter(id__gt=base_id).count(),
        base_id=base_id,
        base_hash=base_hash,
        purged_rows=purged_rows,
        key_id=key_id,
    )
    anchor.signature = _mac(key_id, _anchor_text(anchor))
    anchor.save(force_insert=True)
    document = _anchor_document(anchor)
    transaction.on_commit(lambda: _anchor_publish(anchor.pk, document))
    return anchor


def _anchor_publish(anchor_id: int, document: dict[str, Any]) -> None:
    """Outside the database: the write-once file, and a copy to every auditor by email."""
    _anchor_write_file(anchor_id, document)
    text = json.dumps(document, sort_keys=True, indent=1)
    center_auditors = Membership.objects.filter(role=Role.AUDITOR, is_active=True, user__is_active=True)
    deployment_auditors = Administrator.objects.filter(
        kind=AdministratorKind.AUDIT, is_active=True, user__is_active=True
    )
    emails = {
        *center_auditors.exclude(user__email="").values_list("user__email", flat=True),
        *deployment_auditors.exclude(user__email="").values_list("user__email", flat=True),
    }
    for email in sorted(emails):
        try:
            email_send(
                to=email,
                subject=f"Audit anchor #{anchor_id}",
                text=text,
                kind=MessageKind.AUDIT_ANCHOR,
                key=f"audit-anchor:{anchor_id}:{email}",
            )
        except Exception:  # the file and the table hold it; a mail server down must not lose the anchor
            logger.exception("audit: could not send anchor %s to %s", anchor_id, email)


def _anchor_write_file(anchor_id: int, document: dict[str, Any]) -> None:
    """One file per anchor, created exclusively and never rewritten; read-only once written."""
    folder = settings.FUCHENG_AUDIT_ANCHOR_DIR
    if not folder:
        logger.error("audit: FUCHENG_AUDIT_ANCHOR_DIR is not set; anchor %s kept in the database only", anchor_id)
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"anchor-{anchor_id:012d}-{document['signature'][:12]}.json"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, sort_keys=True)


def _anchor_files() -> list[tuple[str, dict[str, Any]]]:
    folder = settings.FUCHENG_AUDIT_ANCHOR_DIR
    if not folder or not Path(folder).is_dir():
        return []
    documents = []
    for path in sorted(Path(folder).glob("anchor-*.json")):
        try:
            documents.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            documents.append((path.name, {}))
    return documents


def _anchor_problems(
    name: str, anchor: dict[str, Any], base_id: int, rows: dict[int, str], counts: dict[int, int]
) -> list[str]:
    """What one anchor (from the table or a file) says is missing or changed."""
    try:
        valid = hmac.compare_digest(_mac(anchor["key_id"], _anchor_text(anchor)), anchor["signature"])
    except (KeyError, UnknownAuditKey):
        valid = False
    if not valid:
        return [f"{name}: its signature does not match (the anchor was forged or changed)"]
    if anchor["last_id"] <= base_id:
        return []  # anchors a part of the chain a later purge removed
    problems = []
    count = counts.get(anchor["last_id"])
    if count is None:  # its head row is gone: count what is left up to it
        count = AuditEvent.objects.filter(id__gt=base_id, id__lte=anchor["last_id"]).count()
    if anchor["base_id"] == base_id and count != anchor["row_count"]:
        problems.append(
            f"{name}: it recorded {anchor['row_count']} rows up to row {anchor['last_id']}, the table has {count}"
            " (rows were deleted or inserted, or the table emptied)"
        )
    head = rows.get(anchor["last_id"])
    if head is None:
        problems.append(f"{name}: row {anchor['last_id']}, the head it recorded, is missing (newest rows deleted)")
    elif head != anchor["head_hash"]:
        problems.append(f"{name}: row {anchor['last_id']} no longer has the hash it recorded (rows rewritten)")
    return problems


def audit_verify(*, batch_size: int = 5000) -> list[str]:
    """Check the chain: every link and keyed hash, the link to genesis (or to the latest purge's recorded start),
    and every anchor, in the table and in the files outside the database. One message per problem."""
    problems: list[str] = []
    base_id, expected_prev = _chain_base()
    anchors = [_anchor_document(anchor) for anchor in AuditAnchor.objects.order_by("id")]
    anchored_ids = {anchor["last_id"] for anchor in anchors}
    files = _anchor_files()
    anchored_ids |= {document.get("last_id") for _name, document in files}
    rows: dict[int, str] = {}
    counts: dict[int, int] = {}
    count = 0
    first = True
    signed_seen = False
    last_id = base_id
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != expected_prev:
                if first:
                    problems.append(
                        f"row {event.id}: the first row does not link to the start of the chain"
                        " (the oldest rows were deleted outside a purge)"
                    )
                else:
                    problems.append(f"row {event.id}: previous row missing or changed (chain broken before it)")
            if signed_seen and not event.key_id:
                problems.append(
                    f"row {event.id}: unsigned, after signed rows (the chain was recomputed without the key)"
                )
            signed_seen = signed_seen or bool(event.key_id)
            try:
                intact = hmac.compare_digest(compute_hash(event), event.hash)
            except UnknownAuditKey:
                problems.append(f"row {event.id}: signed with an unknown key {event.key_id!r}")
                intact = True
            if not intact:
                problems.append(
                    f"row {event.id}: contents do not match its hash (edited, or the chain recomputed without the key)"
                )
            count += 1
            if event.id in anchored_ids:
                rows[event.id] = event.hash
                counts[event.id] = count
            expected_prev = event.hash
            last_id = event.id
            first = False
    for anchor in anchors:
        name = f"anchor of {anchor['at'][:16].replace('T', ' ')} UTC"
        problems += _anchor_problems(name, anchor, base_id, rows, counts)
    table_signatures = {anchor["signature"] for anchor in anchors}
    for filename, document in files:
        if document.get("signature") in table_signatures:
            continue  # the same anchor as a table row, checked above
        if not document:
            problems.append(f"{filename}: unreadable")
            continue
        problems.append(f"{filename}: the anchor it holds is missing from the database (anchor rows removed)")
        problems += _anchor_problems(filename, document, base_id, rows, counts)
    return problems
