"""The outbox: notification rows for people and the center's escalation contact, written in the caller's
transaction and sent once by `notifications_send` (the sweep, the dispatcher or a task)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Required, TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone

from cases.alerts.links import alert_link_token
from cases.alerts.models import CallbackRequest, CrisisAlert, Notification
from cases.follow_ups.models import FollowUp
from cases.models import Case
from centers.messaging.models import MessageChannel, MessageKind
from centers.messaging.services import channel_for, message_queue, messages_dispatch_now
from centers.models import Center, User


class NotifyArgs(TypedDict, total=False):
    """What one message says and where it belongs: the keyword arguments users_notify and contact_notify share."""

    center: Required[Center]
    now: Required[dt.datetime]
    subject: Required[str]
    text: Required[str]
    alert: CrisisAlert | None
    follow_up: FollowUp | None
    level: int
    conversation: Model | None
    key: str


def absolute_url(path: str) -> str:
    """The address of a page of the portal, for a message that leaves it."""
    return settings.FUCHENG_BASE_URL.rstrip("/") + path


def users_notify(
    *,
    users: Iterable[User],
    center: Center,
    now: dt.datetime,
    subject: str,
    text: str,
    alert: CrisisAlert | None = None,
    follow_up: FollowUp | None = None,
    level: int = 0,
    conversation: Model | None = None,
    key: str = "",
    callback_request: CallbackRequest | None = None,
) -> list[Notification]:
    """Workspace, email and SMS rows for each person, once per level, channel and address (the outbox sends
    the email and SMS rows). `conversation` is a cases.consult Conversation."""
    rows: list[Notification] = []
    for user in users:
        rows.append(
            Notification(channel=Notification.ChannelKind.WORKSPACE, user=user, address=f"user:{user.pk}", sent_at=now)
        )
        if user.email:
            rows.append(Notification(channel=Notification.ChannelKind.EMAIL, user=user, address=user.email))
        if user.phone:
            rows.append(Notification(channel=Notification.ChannelKind.SMS, user=user, address=user.phone))
    return _store(
        rows,
        center=center,
        now=now,
        subject=subject,
        text=text,
        alert=alert,
        follow_up=follow_up,
        level=level,
        conversation=conversation,
        key=key,
        callback_request=callback_request,
    )


def contact_notify(
    *,
    center: Center,
    now: dt.datetime,
    subject: str,
    text: str,
    alert: CrisisAlert | None = None,
    follow_up: FollowUp | None = None,
    level: int = 0,
    conversation: Model | None = None,
    key: str = "",
    callback_request: CallbackRequest | None = None,
) -> list[Notification]:
    """Email and SMS rows for the center's escalation contact, once per level, channel and address."""
    rows = []
    if center.escalation_contact_email:
        rows.append(Notification(channel=Notification.ChannelKind.EMAIL, address=center.escalation_contact_email))
    if center.escalation_contact_phone:
        rows.append(Notification(channel=Notification.ChannelKind.SMS, address=center.escalation_contact_phone))
    return _store(
        rows,
        center=center,
        now=now,
        subject=subject,
        text=text,
        alert=alert,
        follow_up=follow_up,
        level=level,
        conversation=conversation,
        key=key,
        callback_request=callback_request,
    )


def _store(
    rows: list[Notification],
    *,
    center: Center,
    now: dt.datetime,
    subject: str,
    text: str,
    alert: CrisisAlert | None,
    follow_up: FollowUp | None,
    level: int,
    conversation: Model | None = None,
    key: str = "",
    callback_request: CallbackRequest | None = None,
) -> list[Notification]:
    stored: list[Notification] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        channel_address = (row.channel, row.address)
        if channel_address in seen:
            continue
        seen.add(channel_address)
        row.center = center
        row.alert = alert
        row.follow_up = follow_up
        row.conversation_id = conversation.pk if conversation is not None else None
        row.callback_request = callback_request
        row.level = level
        row.key = key
        row.subject = subject[:200]
        row.text = text
        row.created_at = now
        if callback_request is not None:
            lookup: dict[str, object] = {"callback_request": callback_request}
        elif alert is not None:
            lookup = {"alert": alert, "callback_request": None}
        elif follow_up is not None:
            lookup = {"follow_up": follow_up}
        elif key:
            lookup = {"key": key}
        else:
            lookup = {"conversation": conversation}
        if Notification.objects.filter(level=level, channel=row.channel, address=row.address, **lookup).exists():
            continue
        row.save()
        stored.append(row)
    return stored


def notice_add(case: Case, people: Iterable[User], *, subject: str, text: str, now: dt.datetime) -> None:
    """A notice about a case (no alert, no deadline): a workspace row and an email for each active person once,
    sent by the outbox sweep."""
    rows = []
    for user in {user.pk: user for user in people if user.is_active}.values():
        common = {"center": case.center, "user": user, "subject": str(subject)[:200], "text": str(text)}
        rows.append(
            Notification(
                channel=Notification.ChannelKind.WORKSPACE,
                address=f"user:{user.pk}",
                created_at=now,
                sent_at=now,
                **common,
            )
        )
        if user.email:
            rows.append(
                Notification(channel=Notification.ChannelKind.EMAIL, address=user.email, created_at=now, **common)
            )
    Notification.objects.bulk_create(rows)


_ACK_PROMPT = "确认接手："  # in front of the acknowledgement link in a crisis SMS (staff only, so it may say so)


def _ack_link(row: Notification) -> tuple[str, str]:
    """An open crisis alert's message to one staff member carries their link that acknowledges it from the phone:
    (the link, its token). An SMS template takes the token as its parameter `code`, the address in front of it
    being fixed in the template as the provider requires (docs/messages.md)."""
    if row.alert is None or row.user is None or row.alert.acknowledged_at is not None:
        return "", ""
    token = alert_link_token(alert=row.alert, user=row.user)
    return absolute_url(reverse("cases:alert_link", kwargs={"token": token})), token


HANDOVER_KEY = "handover:"


def _template(kind: str, *, with_link: bool) -> str:
    if kind in (MessageKind.ALERT, MessageKind.ESCALATION) and not with_link:
        return f"{kind}_no_link"
    return kind


def _message_kind(row: Notification) -> str:
    if row.key.startswith(HANDOVER_KEY):
        return MessageKind.HANDOVER
    if row.callback_request_id is not None:
        return MessageKind.CALLBACK
    if row.alert_id is not None:
        return MessageKind.ESCALATION if row.level else MessageKind.ALERT
    if row.conversation_id is not None:
        return MessageKind.CONVERSATION
    if row.follow_up_id is not None or row.key:
        return MessageKind.DEADLINE
    return MessageKind.DIGEST


def notifications_send(*, alert_id: int | None = None, limit: int = 500) -> int:
    """Hand unsent email/SMS rows to the outbox (centers.messaging), each once, then send what is due.

    Each row becomes one outbox message in the transaction that marks it handed over (its key names the row, so a
    second run never makes a twin); the outbox retries a bounded number of times, shows what finally failed, and
    lets a crisis message fall through to the person's next channel. Returns how many rows were handed over.
    """
    pending = Notification.objects.filter(sent_at__isnull=True).exclude(channel=Notification.ChannelKind.WORKSPACE)
    if alert_id is not None:
        pending = pending.filter(alert_id=alert_id)
    handed = 0
    for pk in list(pending.order_by("pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("center", "user", "alert")
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if row is None:
                continue  # another worker has it, or an earlier run handed it over
            email = row.channel == Notification.ChannelKind.EMAIL
            link, token = _ack_link(row)
            kind = _message_kind(row)
            message_queue(
                kind=kind,
                channel=MessageChannel.EMAIL if email else MessageChannel.SMS,
                address=row.address,
                subject=row.subject,
                text=row.text if email else f"{row.subject} {row.text}" + (f" {_ACK_PROMPT}{link}" if link else ""),
                link=link,
                params={} if email or not token else {"code": token},
                # An alert without the link (the escalation contact, who has no account; an alert already taken)
                # has a template of its own: the one with the link needs its `code`.
                template=_template(kind, with_link=bool(token)),
                key=f"notification:{row.pk}",
                center=row.center,
                user=row.user,
            )
            if not email and row.user is not None and row.user.wecom_userid and channel_for(MessageChannel.WECOM):
                # Staff in WeCom get the same message there too, as a card whose button is the same link.
                message_queue(
                    kind=kind,
                    channel=MessageChannel.WECOM,
                    address=row.user.wecom_userid,
                    subject=row.subject,
                    text=row.text,
                    link=link,
                    key=f"notification:{row.pk}:wecom",
                    center=row.center,
                    user=row.user,
                )
            Notification.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
        handed += 1
    messages_dispatch_now()
    return handed
