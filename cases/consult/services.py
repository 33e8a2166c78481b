"""Writes for online conversations. Every write in one transaction with its audit row.

The sweep functions (`conversations_alert_due`, `conversations_hand_over_due`) are called by the minute
sweep `cases.sweep`: the database is the source of truth, so a dead worker delays an alert by one sweep.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.consult import policies
from cases.consult.models import (
    ACTIVE_STATUSES,
    HANDOVER_NOTE_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    Conversation,
    ConversationStatus,
    Handover,
    Message,
    MessageKind,
    RiskCategory,
    SystemEvent,
)
from cases.consult.risk_phrases import raises_alert, risk_categories
from cases.erasure import held_case_ids
from cases.models import Case, Channel, EventKind, Tier
from cases.recipients import supervisor_list
from cases.services.common import event_add
from cases.services.intake import case_intake
from cases.services.notifications import HANDOVER_KEY, NotifyArgs, absolute_url, contact_notify, users_notify
from cases.services.workflow import case_counselor_add
from centers.audit.log import audit_record
from centers.models import DutyShift, Resident, Role, User
from centers.policies import has_role
from centers.privacy.consent import require_consent
from centers.privacy.models import ConsentPurpose
from centers.selectors import DUTY_ONLINE, duty_kind_q, on_duty

SYSTEM = "system"


def rate_limit_per_minute() -> int:
    """Messages a resident may send per minute (FUCHENG_CONSULT_MESSAGES_PER_MINUTE, default 8)."""
    return int(getattr(settings, "FUCHENG_CONSULT_MESSAGES_PER_MINUTE", 8))


def _now() -> dt.datetime:
    return timezone.now()


def _audit(actor: User | None, action: str, conversation: Conversation, **detail: Any) -> None:
    authenticated = getattr(actor, "is_authenticated", False)
    audit_record(
        actor=actor if authenticated else None,
        action=action,
        obj=conversation,
        object_type="cases.conversation",
        detail=detail,
        actor_label=None if authenticated else SYSTEM,
    )


def _lock(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().select_related("center").get(pk=conversation.pk)


def _clean_text(text: str, *, limit: int = MESSAGE_MAX_LENGTH, field: str = "text") -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({field: _("Write a message first.")})
    if len(text) > limit:
        raise ValidationError(
            {field: _("A message can be at most %(limit)s characters long; please split it.") % {"limit": limit}}
        )
    return text


def _rate_limit(user: User) -> None:
    """Per resident account, in the cache like the sign-in lockout: a fixed one-minute window."""
    window = int(_now().timestamp() // 60)
    key = f"consult:rate:{user.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > rate_limit_per_minute():
        raise ValidationError(
            _("You are sending messages very fast. Please wait a minute; if you are in danger, call 110 or 120 now."),
            code="rate_limited",
        )


def _system_line(
    conversation: Conversation,
    event: str,
    *,
    actor: User | None = None,
    label: str = "",
    now: dt.datetime | None = None,
) -> Message:
    message = Message(
        conversation=conversation,
        kind=MessageKind.SYSTEM,
        event=event,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        author_label=label[:40],
        created_at=now or _now(),
    )
    message.save()
    return message


# --- the resident's side ------------------------------------------------------------------------------


@transaction.atomic
def conversation_start(*, actor: User, resident: Resident, text: str) -> Conversation:
    """A resident (or a guardian for a child) starts a conversation with the counselor on duty.

    Needs the separate consent for online counseling; one active conversation per person: writing again
    while one is open adds to it."""
    if not policies.resident_may_act_for(actor, resident):
        raise PermissionDenied
    require_consent(resident, ConsentPurpose.ONLINE_COUNSELING)
    text = _clean_text(text)
    Resident.objects.select_for_update().filter(pk=resident.pk).first()  # one start at a time per person
    existing = Conversation.objects.filter(resident=resident, center_id=resident.center_id, status__in=ACTIVE_STATUSES)
    conversation = existing.first()
    if conversation is not None:
        message_send(conversation=conversation, actor=actor, text=text)
        return conversation
    _rate_limit(actor)
    now = _now()
    conversation = Conversation(
        center_id=resident.center_id,
        station_id=resident.station_id,
        resident=resident,
        started_by=actor,
        created_at=now,
        waiting_since=now,
        last_message_at=now,
    )
    conversation.full_clean()
    try:
        with transaction.atomic():
            conversation.save()
    except IntegrityError as exc:  # a second tab started one at the same moment
        raise ValidationError(_("A conversation is already open; please continue there.")) from exc
    _audit(actor, "conversation.start", conversation, for_child=resident.user_id != actor.pk)
    _add_resident_message(conversation, actor=actor, text=text, now=now)
    return conversation


def _add_resident_message(conversation: Conversation, *, actor: User, text: str, now: dt.datetime) -> Message:
    found = risk_categories(text)
    message = Message(
        conversation=conversation, kind=MessageKind.RESIDENT, author=actor, body=text, risk=bool(found), created_at=now
    )
    message.save()
    conversation.last_message_at = now
    conversation.resident_read_upto = message.pk
    fields = ["last_message_at", "resident_read_upto"]
    alert = False
    if found:
        new = [c for c in found if c not in conversation.risk_categories]
        if not conversation.risk_flagged or new:
            alert = raises_alert(new)
            conversation.risk_flagged = True
            conversation.risk_flagged_at = conversation.risk_flagged_at or now
            conversation.risk_categories = [*conversation.risk_categories, *new]
            fields += ["risk_flagged", "risk_flagged_at", "risk_categories"]
            _audit(actor, "conversation.risk", conversation, message=message.pk, categories=found)
    conversation.save(update_fields=fields)
    if alert:
        _risk_alert(conversation, actor=actor, categories=found, now=now)
    return message


def _risk_alert(conversation: Conversation, *, actor: User, categories: list[str], now: dt.datetime) -> None:
    """A risk phrase raises a high-risk crisis alert at once, through the same intake and alert as "help now"
    (a person's case opened or joined at high risk); the conversation is linked to the case and shows the
    person that the crisis team was alerted. New risk categories later in the conversation alert again."""
    resident = conversation.resident
    labels = ", ".join(str(RiskCategory(c).label) for c in categories)
    case, _created = case_intake(
        resident=resident,
        center=conversation.center,
        station=conversation.station,
        channel=Channel.ONLINE_CONSULT,
        source=_("Risk phrase in online conversation %(ref)s") % {"ref": conversation.reference},
        actor=actor,
        tier=Tier.HIGH_RISK,
        reason=_("Risk phrase in an online message (%(categories)s)") % {"categories": labels},
        callback_phone=resident.phone or getattr(actor, "phone", "") or "",
        ref=f"conversation:{conversation.pk}",
    )
    if conversation.case_id != case.pk:
        conversation.case = case
        conversation.save(update_fields=["case"])
        event_add(case, actor, EventKind.CONVERSATION, to_value=str(conversation.pk), at=now)
    _system_line(conversation, SystemEvent.CRISIS_ALERTED, now=now)
    _audit(actor, "conversation.crisis_alert", conversation, case=case.pk, categories=categories)


@transaction.atomic
def message_send(*, conversation: Conversation, actor: User, text: str) -> Message:
    """A new line: from the resident (or guardian), or from the counselor who has the conversation."""
    conversation = _lock(conversation)
    resident_side = policies.resident_may_act_for(actor, conversation.resident)
    if not resident_side and not policies.can_view_staff(actor, conversation):
        raise PermissionDenied
    if not conversation.is_active:
        raise ValidationError(
            _("This conversation is closed. To talk again, start a new one; in danger, call 110 or 120."),
            code="closed",
        )
    text = _clean_text(text)
    now = _now()
    if resident_side:
        require_consent(conversation.resident, ConsentPurpose.ONLINE_COUNSELING)
        _rate_limit(actor)
        return _add_resident_message(conversation, actor=actor, text=text, now=now)
    if not policies.can_answer(actor, conversation):
        raise ValidationError(_("Take the conversation before you answer."), code="not_taken")
    message = Message(
        conversation=conversation,
        kind=MessageKind.COUNSELOR,
        author=actor,
        author_label=str(actor.public_name)[:40],
        body=text,
        created_at=now,
    )
    message.save()
    conversation.last_message_at = now
    conversation.staff_read_upto = message.pk
    conversation.save(update_fields=["last_message_at", "staff_read_upto"])
    _audit(actor, "conversation.answer", conversation, message=message.pk)
    return message


@transaction.atomic
def conversation_read(*, conversation: Conversation, actor: User, after: int = 0, audit: bool = True) -> list[Message]:
    """The lines of a conversation, for the resident or a staff member who may see it; moves the reader's
    unread marker. A staff read is audited (a poll that brings nothing new is not a new read)."""
    conversation.refresh_from_db(fields=["status", "counselor", "case", "resident_read_upto", "staff_read_upto"])
    resident_side = policies.resident_may_act_for(actor, conversation.resident)
    if not resident_side and not policies.can_view_staff(actor, conversation):
        raise PermissionDenied
    messages = list(conversation.messages.order_by("pk"))
    last = messages[-1].pk if messages else 0
    new = [m for m in messages if m.pk > after]
    if resident_side and last > conversation.resident_read_upto:
        Conversation.objects.filter(pk=conversation.pk).update(resident_read_upto=last)
        conversation.resident_read_upto = last
    elif not resident_side:
        if conversation.counselor_id == actor.pk and last > conversation.staff_read_upto:
            Conversation.objects.filter(pk=conversation.pk).update(staff_read_upto=last)
            conversation.staff_read_upto = last
        if audit and new:
            _audit(actor, "conversation.read", conversation, messages=len(new))
    return messages


@transaction.atomic
def conversation_close(*, conversation: Conversation, actor: User) -> Conversation:
    """The resident ends the conversation, or the counselor who has it (or the supervisor) closes it."""
    conversation = _lock(conversation)
    resident_side = policies.resident_may_act_for(actor, conversation.resident)
    if not resident_side and not policies.can_manage(actor, conversation):
        raise PermissionDenied
    if not conversation.is_active:
        return conversation
    now = _now()
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = now
    conversation.closed_by = actor
    conversation.full_clean()
    conversation.save(update_fields=["status", "closed_at", "closed_by"])
    _system_line(conversation, SystemEvent.CLOSED, actor=actor, now=now)
    _audit(actor, "conversation.close", conversation, by_resident=resident_side)
    return conversation


@transaction.atomic
def conversation_block(*, conversation: Conversation, actor: User, reason: str) -> Conversation:
    """Block an abusive conversation (the counselor who has it, or the supervisor). Nothing is deleted;
    the resident is shown how to reach help instead."""
    conversation = _lock(conversation)
    if not policies.can_manage(actor, conversation):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why the conversation is blocked.")})
    if not conversation.is_active:
        raise ValidationError(_("This conversation is already closed."))
    now = _now()
    conversation.status = ConversationStatus.BLOCKED
    conversation.closed_at = now
    conversation.closed_by = actor
    conversation.block_reason = reason[:300]
    conversation.full_clean()
    conversation.save(update_fields=["status", "closed_at", "closed_by", "block_reason"])
    _system_line(conversation, SystemEvent.BLOCKED, actor=actor, now=now)
    _audit(actor, "conversation.block", conversation)
    return conversation


# --- the counselor's side --------------------------------------------------------------------------------


@transaction.atomic
def conversation_take(*, conversation: Conversation, actor: User) -> Conversation:
    """A counselor on duty (or the supervisor) takes a waiting conversation; the first one wins."""
    conversation = _lock(conversation)
    if not policies.may_take_at_center(actor, conversation) and not policies.can_view_staff(actor, conversation):
        raise PermissionDenied
    if conversation.status != ConversationStatus.WAITING:
        if conversation.counselor_id == actor.pk:
            return conversation
        raise ValidationError(_("Another counselor has already taken this conversation."), code="taken")
    if not policies.can_take(actor, conversation):
        raise PermissionDenied
    now = _now()
    conversation.status = ConversationStatus.OPEN
    conversation.counselor = actor
    conversation.taken_at = now
    conversation.full_clean()
    conversation.save(update_fields=["status", "counselor", "taken_at"])
    _system_line(conversation, SystemEvent.TAKEN, actor=actor, label=str(actor.public_name), now=now)
    _audit(
        actor,
        "conversation.take",
        conversation,
        waited_seconds=int((now - conversation.waiting_since).total_seconds()),
    )
    return conversation


def _next_on_duty(conversation: Conversation, *, at: dt.datetime, exclude: int | None) -> User | None:
    """Who takes a conversation over: the duty team member with the fewest open conversations."""
    team = [u for u in on_duty(center=conversation.center, duty=DUTY_ONLINE, at=at) if u.pk != exclude]
    team = [u for u in team if has_role(u, Role.COUNSELOR, Role.SUPERVISOR, center_id=conversation.center_id)]
    if not team:
        return None
    loads = dict(
        Conversation.objects.filter(status=ConversationStatus.OPEN, counselor__in=team)
        .values_list("counselor")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return min(team, key=lambda u: (loads.get(u.pk, 0), u.pk))


def _hand_over(
    conversation: Conversation, *, to_user: User, actor: User | None, note: str, now: dt.datetime, by_sweep: bool
) -> Handover:
    handover = Handover(
        conversation=conversation,
        from_user_id=conversation.counselor_id,
        to_user=to_user,
        note=note,
        at=now,
        by_sweep=by_sweep,
    )
    handover.save()
    conversation.counselor = to_user
    conversation.handover_note = ""
    conversation.save(update_fields=["counselor", "handover_note"])
    _system_line(conversation, SystemEvent.HANDED_OVER, actor=actor, label=str(to_user.public_name), now=now)
    _audit(actor, "conversation.hand_over", conversation, to=to_user.pk, by_sweep=by_sweep)
    # The counselor who takes over is told where they are reached (WeCom first, then SMS and email; the outbox
    # sends them with the next sweep); the note itself stays in the workspace, never in a message.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Online conversation %(ref)s has been handed over to you") % {"ref": conversation.reference}
        url = absolute_url(reverse("consult:staff_conversation", args=[conversation.pk]))
        text = _("Open it in the workspace: %(url)s") % {"url": url}
    users_notify(
        users=[to_user],
        center=conversation.center,
        now=now,
        subject=str(subject),
        text=str(text),
        conversation=conversation,
        key=f"{HANDOVER_KEY}{handover.pk}",
    )
    return handover


@transaction.atomic
def conversation_handover_note(*, conversation: Conversation, actor: User, note: str) -> Conversation:
    """Write (or rewrite) the note the next counselor gets when the shift ends."""
    conversation = _lock(conversation)
    if not policies.can_manage(actor, conversation):
        raise PermissionDenied
    note = _clean_text(note, limit=HANDOVER_NOTE_MAX_LENGTH, field="note")
    conversation.handover_note = note
    conversation.save(update_fields=["handover_note"])
    _audit(actor, "conversation.handover_note", conversation)
    return conversation


@transaction.atomic
def conversation_hand_over(*, conversation: Conversation, actor: User, note: str) -> Handover:
    """Hand an open conversation over now to the next counselor on duty, with a short note."""
    conversation = _lock(conversation)
    if not policies.can_manage(actor, conversation):
        raise PermissionDenied
    note = _clean_text(note, limit=HANDOVER_NOTE_MAX_LENGTH, field="note")
    if conversation.status != ConversationStatus.OPEN:
        raise ValidationError(_("Only an open conversation can be handed over."))
    now = _now()
    to_user = _next_on_duty(conversation, at=now, exclude=conversation.counselor_id)
    if to_user is None:
        raise ValidationError(_("Nobody else is on duty now; keep the conversation or ask the supervisor."))
    return _hand_over(conversation, to_user=to_user, actor=actor, note=note, now=now, by_sweep=False)


@transaction.atomic
def conversation_open_case(*, conversation: Conversation, actor: User, tier: int, reason: str) -> Case:
    """In one step: open the person's case (or join their open one) at the tier the counselor judges, and
    link the conversation to it. A high-risk tier raises the crisis alert as any high-risk intake does."""
    conversation = _lock(conversation)
    if not policies.can_manage(actor, conversation):
        raise PermissionDenied
    reason = (reason or "").strip()
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    if not reason:
        raise ValidationError({"reason": _("Write the reason for this judgement.")})
    case, created = case_intake(
        resident=conversation.resident,
        center=conversation.center,
        station=conversation.station,
        channel=Channel.ONLINE_CONSULT,
        source=_("Online conversation %(ref)s") % {"ref": conversation.reference},
        actor=actor,
        tier=tier,
        reason=reason,
        ref=f"conversation:{conversation.pk}",
    )
    now = _now()
    if has_role(actor, Role.COUNSELOR, Role.SUPERVISOR, center_id=case.center_id) and not (
        case.counselors.filter(pk=actor.pk).exists()
    ):
        case = case_counselor_add(case=case, counselor=actor, actor=actor)
    if conversation.case_id != case.pk:
        conversation.case = case
        conversation.save(update_fields=["case"])
        event_add(case, actor, EventKind.CONVERSATION, to_value=str(conversation.pk), at=now)
    _audit(actor, "conversation.case", conversation, case=case.pk, created=created, tier=tier)
    return case


# --- the sweep --------------------------------------------------------------------------------------------


def _wait_text(conversation: Conversation, level: int, minutes: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        url = absolute_url(reverse("consult:staff_conversation", args=[conversation.pk]))
        if level == 1:
            subject = _("Online conversation %(ref)s has waited %(minutes)s minutes for a counselor") % {
                "ref": conversation.reference,
                "minutes": minutes,
            }
        else:
            subject = _("Escalated: online conversation %(ref)s still waits for a counselor") % {
                "ref": conversation.reference
            }
        text = _("Take the conversation in the workspace now: %(url)s") % {"url": url}
    return str(subject), str(text)


def conversations_alert_due(*, now: dt.datetime | None = None) -> int:
    """A conversation nobody took within the center's time (10 minutes by default) alerts the whole duty
    team; after twice that time, the supervisors too. Running it twice alerts nobody twice."""
    now = now or _now()
    changed = 0
    ids = list(
        Conversation.objects.filter(status=ConversationStatus.WAITING, wait_alert_level__lt=2).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update()
                .select_related("center")
                .filter(pk=pk, status=ConversationStatus.WAITING)
                .first()
            )
            if conversation is None:
                continue
            limit = conversation.center.conversation_wait_minutes
            waited = (now - conversation.waiting_since).total_seconds() / 60
            target = 2 if waited >= 2 * limit else 1 if waited >= limit else 0
            if target <= conversation.wait_alert_level:
                continue
            center = conversation.center
            for level in range(conversation.wait_alert_level + 1, target + 1):
                subject, text = _wait_text(conversation, level, limit)
                team = on_duty(center=center, duty=DUTY_ONLINE, at=now) if level == 1 else []
                notify: NotifyArgs = {
                    "center": center,
                    "now": now,
                    "subject": subject,
                    "text": text,
                    "level": level,
                    "conversation": conversation,
                }
                if team:
                    users_notify(users=team, **notify)
                else:
                    # Nobody on duty, or the team did not answer: the supervisors and the escalation contact.
                    users_notify(users=supervisor_list(center=center), **notify)
                    contact_notify(**notify)
            conversation.wait_alert_level = target
            conversation.save(update_fields=["wait_alert_level"])
            _audit(
                None,
                "conversation.wait_alert",
                conversation,
                level=target,
                on_duty=len(on_duty(center=center, duty=DUTY_ONLINE, at=now)),
            )
            changed += 1
    return changed


def conversations_hand_over_due(*, now: dt.datetime | None = None) -> int:
    """At the end of a shift, open conversations pass to the next counselor on duty with the note the
    counselor left (or none). A conversation taken by someone not on a shift stays with them."""
    now = now or _now()
    moved = 0
    rows = list(
        Conversation.objects.filter(status=ConversationStatus.OPEN, counselor__isnull=False).values_list(
            "pk", "center_id", "counselor_id", "taken_at"
        )
    )
    for pk, center_id, counselor_id, taken_at in rows:
        shifts = DutyShift.objects.filter(duty_kind_q(DUTY_ONLINE), center_id=center_id, user_id=counselor_id)
        if shifts.filter(starts_at__lte=now, ends_at__gt=now).exists():
            continue  # still on duty
        if not shifts.filter(ends_at__lte=now, ends_at__gt=taken_at or now).exists():
            continue  # no shift of theirs ended since they took it
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update()
                .select_related("center")
                .filter(pk=pk, status=ConversationStatus.OPEN, counselor_id=counselor_id)
                .first()
            )
            if conversation is None:
                continue
            to_user = _next_on_duty(conversation, at=now, exclude=counselor_id)
            if to_user is None:
                continue  # nobody on duty: it stays with its counselor; the supervisor sees it
            _hand_over(
                conversation, to_user=to_user, actor=None, note=conversation.handover_note, now=now, by_sweep=True
            )
            moved += 1
    return moved


# --- personal data --------------------------------------------------------------------------------------


def person_anonymise(*, resident: Resident, actor: User | None) -> None:
    """Erasure: close the person's open conversations and blank their text; the rows (and figures) stay.
    A conversation linked to a case that erasure keeps (cases.erasure.record_holds) is part of that record and keeps its text."""
    Conversation.objects.filter(resident=resident, status__in=ACTIVE_STATUSES).update(
        status=ConversationStatus.CLOSED, closed_at=_now()
    )
    held = held_case_ids(resident=resident)
    for conversation in Conversation.objects.filter(resident=resident).exclude(case_id__in=held):
        Message.objects.filter(conversation=conversation).update(body="")
        Handover.objects.filter(conversation=conversation).update(note="")
        Conversation.objects.filter(pk=conversation.pk).update(handover_note="", block_reason="")
        _audit(actor, "conversation.anonymise", conversation)


__all__ = [
    "conversation_block",
    "conversation_close",
    "conversation_hand_over",
    "conversation_handover_note",
    "conversation_open_case",
    "conversation_read",
    "conversation_start",
    "conversation_take",
    "conversations_alert_due",
    "conversations_hand_over_due",
    "message_send",
    "person_anonymise",
]
