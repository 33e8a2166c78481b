"""Reads of online conversations, scoped to the acting user. A fixed number of queries per list."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.consult import policies
from cases.consult.models import Conversation, ConversationStatus, Handover, MessageKind
from cases.models import Case
from cases.policies import AnyUser
from centers.audit.log import audit_record
from centers.audit.models import AuditOutcome
from centers.models import Center, Resident, User
from centers.policies import resident_of
from centers.selectors import DUTY_ONLINE, on_duty

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

LIMIT = 30


class Unread(TypedDict):
    unread: int


def _with_unread_for_staff(rows: QuerySet[Conversation]) -> QuerySet[WithAnnotations[Conversation, Unread]]:
    return rows.annotate(
        unread=Count(
            "messages",
            filter=Q(messages__kind=MessageKind.RESIDENT, messages__pk__gt=F("staff_read_upto")),
        )
    )


def _waiting_order(c: Conversation) -> tuple[Any, ...]:
    """Risk first, then the longest wait."""
    return (not c.risk_flagged, c.waiting_since, c.pk)


def _mine_order(c: WithAnnotations[Conversation, Unread]) -> tuple[Any, ...]:
    """Risk first, then unread, then the oldest last message."""
    return (not c.risk_flagged, -c.unread, c.last_message_at, c.pk)


def _panel_rows(user: User, at: dt.datetime | None) -> tuple[list[Any], list[Any]]:
    """(waiting conversations the user may take, open ones the user has), each in its order and cut at LIMIT,
    from one query: both are few (a conversation waits minutes before the duty team is chased)."""
    if not policies.is_conversation_worker(user):
        return [], []
    rows = Conversation.objects.filter(
        Q(policies.staff_visibility_q(user, at), status=ConversationStatus.WAITING)
        | Q(counselor=user, status=ConversationStatus.OPEN)
    ).select_related("resident", "station", "center", "case")
    found = list(_with_unread_for_staff(rows))
    waiting = sorted((c for c in found if c.status == ConversationStatus.WAITING), key=_waiting_order)
    mine = sorted(
        (c for c in found if c.status == ConversationStatus.OPEN and c.counselor_id == user.pk), key=_mine_order
    )
    return waiting[:LIMIT], mine[:LIMIT]


def waiting_for_staff(*, user: User, at: dt.datetime | None = None) -> list[Conversation]:
    """Waiting conversations the user may take: risk first, then the longest wait. One query (and the
    duty look-up, which a caller that also shows the duty state shares by passing the same `at`)."""
    return _panel_rows(user, at)[0]


def mine_for_staff(*, user: User) -> list[Conversation]:
    """Open conversations the user has: risk first, then unread, then the oldest last message. One query."""
    return _panel_rows(user, None)[1]


def conversation_for_staff(
    *, user: User, pk: int, action: str = "conversation.open", for_taking: bool = False
) -> Conversation:
    """One conversation a staff member may see, or 404; either way the attempt is in the audit log.

    `for_taking`: also those the user could have taken (on duty there) — the take service then says
    "already taken" instead of a 404 when a colleague was quicker."""
    conversation = (
        Conversation.objects.filter(pk=pk)
        .select_related("resident", "station", "center", "counselor", "case", "started_by")
        .first()
    )
    if conversation is None or not (
        policies.can_view_staff(user, conversation) or (for_taking and policies.may_take_at_center(user, conversation))
    ):
        audit_record(
            actor=user,
            action=action,
            object_type="cases.conversation",
            object_id=pk,
            outcome=AuditOutcome.DENIED,
            center_id=conversation.center_id if conversation else None,
            station_id=conversation.station_id if conversation else None,
        )
        raise Http404
    if action == "conversation.open":
        audit_record(actor=user, action=action, obj=conversation, object_type="cases.conversation")
    return conversation


def conversation_for_resident(*, user: AnyUser, pk: int) -> Conversation:
    """One of the signed-in resident's conversations (or a child's in their care), or 404."""
    conversation = (
        Conversation.objects.filter(policies.resident_visibility_q(user), pk=pk)
        .select_related("resident", "center", "counselor")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def conversations_for_resident(*, user: AnyUser) -> list[Conversation]:
    """The resident's conversations (and their children's), newest first, with unread counts."""
    rows = Conversation.objects.filter(policies.resident_visibility_q(user)).select_related("resident", "counselor")
    rows = rows.annotate(
        unread=Count(
            "messages",
            filter=Q(messages__kind__in=[MessageKind.COUNSELOR, MessageKind.SYSTEM])
            & Q(messages__pk__gt=F("resident_read_upto")),
        )
    )
    return list(rows.order_by("-last_message_at", "-pk")[:100])


def unread_for_resident(*, user: AnyUser) -> int:
    """Counselor lines the resident has not read yet, over all their active conversations."""
    if resident_of(user) is None:
        return 0
    return (
        Conversation.objects.filter(policies.resident_visibility_q(user))
        .filter(
            messages__kind__in=[MessageKind.COUNSELOR, MessageKind.SYSTEM], messages__pk__gt=F("resident_read_upto")
        )
        .count()
    )


def conversation_subjects(*, user: AnyUser) -> list[Resident]:
    """Whom a resident may write for: themselves and the children in their care."""
    me = resident_of(user)
    if me is None:
        return []
    return [me, *Resident.objects.filter(guardian=me, anonymised_at__isnull=True).order_by("full_name")]


def on_duty_names(*, center: Center) -> list[str]:
    """What a resident sees of who is on duty now: a title and family name only (王老师)."""
    return [str(u.public_name) for u in on_duty(center=center, duty=DUTY_ONLINE, at=timezone.now())]


def handovers(*, conversation: Conversation) -> list[Handover]:
    return list(conversation.handovers.select_related("from_user", "to_user").order_by("-at"))


def linked_conversations(*, user: AnyUser, case: Case) -> list[Conversation]:
    """The conversations linked to a case, for its page (those the user may read)."""
    return list(
        Conversation.objects.filter(policies.staff_visibility_q(user), case=case)
        .select_related("counselor")
        .order_by("-created_at")
    )


def consult_panel_for(*, user: User) -> dict[str, Any]:
    """The workspace's conversation panel: waiting conversations (risk first, then the longest wait) with how
    long each waited, the counselor's own, and whether they are on duty."""
    now = timezone.now()
    waiting, mine = _panel_rows(user, now)  # one query; the duty look-up below reuses this one's
    for c in waiting:
        c.waited_minutes = int((now - c.waiting_since).total_seconds() // 60)
        c.overdue = c.waited_minutes >= c.center.conversation_wait_minutes
    return {
        "waiting": waiting,
        "mine": mine,
        "on_duty": bool(policies.on_duty_center_ids(user, now)),
    }
