"""The outbox: queue a message in the transaction that causes it, send it by one sweep outside any transaction.

`message_queue` writes one `OutboundMessage` row (its idempotency key is unique, so the code that causes a
message may run twice without a twin) and asks for a dispatch once the transaction commits. `messages_dispatch`
is that dispatch, and beat runs it every minute as the sweep that catches anything the prompt dispatch missed:

1. it claims due rows one by one with a compare-and-set on their status (two dispatchers never send one row);
2. it hands each to its channel (centers.messaging.channels) with no transaction open, so a slow provider
   holds no lock and a crash cannot roll back a send that happened;
3. it records the outcome in a short transaction of its own.

Outcomes. Sent: the row is `sent` (a provider's status report later makes it `delivered` or `failed`,
centers.messaging.receipts). A retryable refusal (throttled, 5xx, unreachable): tried again after a backoff that
doubles, at most FUCHENG_MESSAGE_MAX_ATTEMPTS times in all, then `failed`. A final refusal (a wrong number, a
template not approved): `failed` at once. No answer after the request left (`DeliveryUncertain`): `uncertain`,
and it is *not* sent again on that channel, since the SMS providers do not drop a repeated request and the
person would get it twice: the provider's receipt settles it, and if none comes within
FUCHENG_MESSAGE_RECEIPT_WAIT_SECONDS the row counts as sent without a receipt. A crisis message that finally
failed, or stayed without a receipt, falls through to the person's next channel (a new row, `fallback_of`).
A row claimed by a dispatcher that died mid-send (killed before it could record the outcome, most likely before the
provider answered) is sent again once its claim runs out: at worst twice, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from centers.infra.enqueue import enqueue_after_commit
from centers.messaging.channels import Channel, ChannelError, DeliveryUncertain, Outgoing, SendResult
from centers.messaging.models import MessageChannel, MessageKind, MessageStatus, OutboundMessage
from centers.messaging.selectors import wechat_openid
from centers.models import Center, User

logger = logging.getLogger(__name__)

# Beat runs DISPATCH_TASK every minute, and only its runs count as the sweep's (/healthz): a dispatch queued after
# a commit runs DISPATCH_NOW_TASK, so that a busy portal does not hide a stopped scheduler.
DISPATCH_TASK = "centers.messaging.dispatch"
DISPATCH_NOW_TASK = "centers.messaging.dispatch_now"
# Crisis work: first in the queue, and a message that cannot be delivered falls through to the next channel.
CRISIS_KINDS = frozenset({MessageKind.ALERT, MessageKind.ESCALATION, MessageKind.CALLBACK, MessageKind.CONVERSATION})
CRISIS_PRIORITY = 0
# Per kind, the channels in order of preference (settings.FUCHENG_MESSAGE_ROUTES overrides any of them).
DEFAULT_ROUTES: Mapping[str, Sequence[str]] = {
    **dict.fromkeys(CRISIS_KINDS, ("wecom", "sms", "wechat", "email")),
    MessageKind.DEADLINE: ("wecom", "email", "sms"),
    MessageKind.HANDOVER: ("wecom", "sms", "email"),
    MessageKind.REMINDER: ("wechat", "sms", "email"),
    MessageKind.WAITLIST_OFFER: ("wechat", "sms", "email"),
    MessageKind.WORKSHOP_NOTICE: ("wechat", "sms", "email"),
    MessageKind.FOLLOW_UP: ("wechat", "sms", "email"),
}
# A test message names nothing: it only proves the channel reaches the phone.
TEST_SUBJECT = "测试消息"
TEST_TEXT = "这是一条测试消息：危机预警会这样送达您。无需回复。"
UNSENT = (MessageStatus.PENDING, MessageStatus.UNCERTAIN, MessageStatus.SENDING)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return max(1, int(_setting("FUCHENG_MESSAGE_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait before attempt `attempts + 1`: the base, doubled each time, never more than an hour."""
    base = float(_setting("FUCHENG_MESSAGE_RETRY_SECONDS", 60))
    return dt.timedelta(seconds=min(base * 2 ** max(0, attempts - 1), 3600.0))


def channel_for(name: str) -> Channel | None:
    """The configured channel of that name (settings.FUCHENG_MESSAGE_CHANNELS), or None where it is not set up."""
    path = (_setting("FUCHENG_MESSAGE_CHANNELS", {}) or {}).get(name)
    return import_string(path)() if path else None


def route_for(kind: str) -> Sequence[str]:
    routes: Mapping[str, Sequence[str]] = _setting("FUCHENG_MESSAGE_ROUTES", {}) or {}
    return tuple(routes.get(kind) or DEFAULT_ROUTES.get(kind) or ("email",))


def address_of(user: User, channel: str) -> str:
    """Where `user` is reached on `channel`: empty when they cannot be."""
    if channel == MessageChannel.SMS:
        return user.phone or ""
    if channel == MessageChannel.EMAIL:
        return user.email or ""
    if channel == MessageChannel.WECHAT:
        return wechat_openid(user=user)
    if channel == MessageChannel.WECOM:
        return user.wecom_userid or ""
    return ""


def message_queue(
    *,
    kind: str,
    channel: str,
    address: str,
    text: str,
    key: str,
    center: Center | None = None,
    user: User | None = None,
    subject: str = "",
    template: str = "",
    params: Mapping[str, str] | None = None,
    link: str = "",
    priority: int | None = None,
    fallback_of: OutboundMessage | None = None,
) -> OutboundMessage:
    """Write one message to the outbox (inside the caller's transaction) and ask for a dispatch after commit.

    `key` identifies the message for good ("reminder:812:sms"): queueing it again returns the row already there.
    A message without an address is kept as `no_address`, so the console shows who could not be reached.
    """
    existing = OutboundMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    row = OutboundMessage(
        center=center,
        kind=kind,
        channel=channel,
        priority=(CRISIS_PRIORITY if kind in CRISIS_KINDS else 5) if priority is None else priority,
        user=user,
        address=address.strip(),
        subject=subject[:200],
        text=text,
        template=template,
        params=dict(params or {}),
        link=link,
        idempotency_key=key,
        fallback_of=fallback_of,
    )
    if not row.address:
        row.status = MessageStatus.NO_ADDRESS
        row.failed_at = timezone.now()
        row.last_error = f"{channel}: no usable address"
    elif channel_for(channel) is None:
        row.status = MessageStatus.FAILED
        row.failed_at = timezone.now()
        row.last_error = f"{channel}: channel not set up"
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # queued by a concurrent transaction under the same key
        return OutboundMessage.objects.get(idempotency_key=key)
    if row.status == MessageStatus.PENDING:
        enqueue_after_commit(DISPATCH_NOW_TASK)
    elif kind in CRISIS_KINDS:
        _fall_through(row)
    return row


def _fall_through(row: OutboundMessage) -> OutboundMessage | None:
    """Queue a failed crisis message, or a WeChat message refused for good, on the person's next channel; None when
    there is none left. (A resident's WeChat message goes by SMS only to a confirmed number.)"""
    crisis = row.kind in CRISIS_KINDS
    if row.user is None or not (
        crisis or (row.channel == MessageChannel.WECHAT and row.status == MessageStatus.FAILED)
    ):
        return None
    route = route_for(row.kind)
    tried = set(_channels_tried(row))
    later = route[route.index(row.channel) + 1 :] if row.channel in route else route
    if not crisis:
        later = [MessageChannel.SMS]  # the SMS it replaced; an email, where they gave one, went beside it
    for name in later:
        if name in tried or channel_for(name) is None:
            continue
        address = address_of(row.user, name)
        if row.kind not in CRISIS_KINDS and name == MessageChannel.SMS and not row.user.phone_verified:
            address = ""
        if not address or _already_has_it(row, name):
            continue
        return message_queue(
            kind=row.kind,
            channel=name,
            address=address,
            text=row.text,
            key=f"{_root_key(row)}>{name}",
            center=row.center,
            user=row.user,
            subject=row.subject,
            template=row.template,
            params=row.params,
            link=row.link,
            priority=row.priority,
            fallback_of=row,
        )
    logger.error("message %s (%s) reached nobody: no channel left for user %s", row.pk, row.kind, row.user_id)
    return None


def _already_has_it(row: OutboundMessage, channel: str) -> bool:
    """The person already has this message on that channel (an alert goes by SMS and email side by side)."""
    # An SMS carries the subject in front of the text; an email has it apart.
    texts = {row.text, row.text.removeprefix(f"{row.subject} "), f"{row.subject} {row.text}"}
    return (
        OutboundMessage.objects.filter(
            user=row.user, kind=row.kind, channel=channel, subject=row.subject, text__in=texts
        )
        .exclude(status__in=(MessageStatus.FAILED, MessageStatus.NO_ADDRESS))
        .exists()
    )


def _channels_tried(row: OutboundMessage) -> Iterable[str]:
    current: OutboundMessage | None = row
    while current is not None:
        yield current.channel
        current = current.fallback_of


def _root_key(row: OutboundMessage) -> str:
    return row.idempotency_key.split(">", 1)[0]


def _due() -> Q:
    now = timezone.now()
    return Q(status__in=(MessageStatus.PENDING, MessageStatus.UNCERTAIN), next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, claimed_until__lt=now
    )


def _claim(row: OutboundMessage, *, lease: dt.timedelta) -> bool:
    """Take the row for this dispatcher: only if nobody changed it since it was read."""
    now = timezone.now()
    taken = OutboundMessage.objects.filter(
        pk=row.pk, status=row.status, attempts=row.attempts, claimed_until=row.claimed_until
    ).update(status=MessageStatus.SENDING, claimed_until=now + lease, attempts=row.attempts + 1, handed_at=None)
    return taken == 1


def _outgoing(row: OutboundMessage) -> Outgoing:
    signature = (row.center.sms_signature if row.center else "") or str(_setting("SMS_SIGNATURE", ""))
    return Outgoing(
        message_id=row.pk,
        idempotency_key=row.idempotency_key,
        kind=row.kind,
        address=row.address,
        subject=row.subject,
        text=row.text,
        template=row.template,
        params={str(k): str(v) for k, v in (row.params or {}).items()},
        signature=signature,
        link=row.link,
    )


def _in_callers_transaction() -> bool:
    # A test case's own wrapping transaction (Django marks it) is not one the caller opened.
    return any(not getattr(block, "_from_testcase", False) for block in transaction.get_connection().atomic_blocks)


def messages_dispatch_now() -> int:
    """Send what is due now when no transaction is open; inside one, the dispatch queued at commit does it."""
    return 0 if _in_callers_transaction() else messages_dispatch()


_dispatching: ContextVar[bool] = ContextVar("outbox_dispatching", default=False)


def in_dispatch() -> bool:
    """Whether the outbox's dispatcher is handing a message to its channel right now (the test backends check
    it, so a message that bypasses the outbox fails the test that sends it)."""
    return _dispatching.get()


def _send(channel: Channel, message: Outgoing) -> SendResult:
    token = _dispatching.set(True)
    try:
        return channel.send(message)
    finally:
        _dispatching.reset(token)


def messages_dispatch(*, limit: int = 100) -> int:
    """Send what is due, crisis first. Call with no transaction open. Returns how many rows it handled."""
    if _in_callers_transaction():
        raise RuntimeError("messages_dispatch sends outside any database transaction")
    lease = dt.timedelta(seconds=float(_setting("FUCHENG_MESSAGE_CLAIM_SECONDS", 120)))
    handled = 0
    due = OutboundMessage.objects.filter(_due()).select_related("center").order_by("priority", "next_attempt_at")
    for row in due[:limit]:
        if row.status == MessageStatus.UNCERTAIN:
            _settle_unanswered(row)
            handled += 1
            continue
        if row.status == MessageStatus.SENDING and row.handed_at is not None:
            # Its dispatcher died while handing it over (kill -9, out of memory): it may have left. As after a
            # timeout, it is not sent again on this channel; a receipt settles it (docs/messages.md).
            _record_uncertain(row.pk, f"{row.channel}: the dispatcher stopped while sending (not sent again)")
            handled += 1
            continue
        if not _claim(row, lease=lease):
            continue  # another dispatcher has it
        handled += 1
        channel = channel_for(row.channel)
        try:
            if channel is None:
                raise ChannelError(f"{row.channel}: channel not set up", retryable=False)
            OutboundMessage.objects.filter(pk=row.pk, status=MessageStatus.SENDING).update(handed_at=timezone.now())
            result = _send(channel, _outgoing(row))
        except DeliveryUncertain as exc:
            _record_uncertain(row.pk, str(exc.reason))
        except ChannelError as exc:
            _record_refused(row.pk, str(exc.reason), retryable=exc.retryable)
        except Exception as exc:  # a channel bug must not stop the queue: counted as a retryable failure
            logger.exception("channel %s failed on message %s", row.channel, row.pk)
            _record_refused(row.pk, f"{row.channel}: {type(exc).__name__}", retryable=True)
        else:
            _record_sent(row.pk, result)
    return handled


@transaction.atomic
def _record_sent(pk: int, result: SendResult) -> None:
    row = OutboundMessage.objects.select_for_update().get(pk=pk)
    if row.status != MessageStatus.SENDING:
        return  # a receipt came first
    row.status = MessageStatus.SENT
    row.sent_at = timezone.now()
    row.provider = result.provider[:20]
    row.provider_message_id = result.provider_message_id[:100]
    row.claimed_until = None
    row.last_error = ""
    row.save(update_fields=["status", "sent_at", "provider", "provider_message_id", "claimed_until", "last_error"])


@transaction.atomic
def _record_uncertain(pk: int, reason: str) -> None:
    row = OutboundMessage.objects.select_for_update().get(pk=pk)
    if row.status != MessageStatus.SENDING:
        return
    row.status = MessageStatus.UNCERTAIN
    row.last_error = reason[:300]
    row.claimed_until = None
    row.next_attempt_at = timezone.now() + dt.timedelta(
        seconds=float(_setting("FUCHENG_MESSAGE_RECEIPT_WAIT_SECONDS", 600))
    )
    row.save(update_fields=["status", "last_error", "claimed_until", "next_attempt_at"])


@transaction.atomic
def _record_refused(pk: int, reason: str, *, retryable: bool) -> None:
    row = OutboundMessage.objects.select_for_update().get(pk=pk)
    if row.status != MessageStatus.SENDING:
        return
    row.last_error = reason[:300]
    row.claimed_until = None
    if retryable and row.attempts < max_attempts():
        row.status = MessageStatus.PENDING
        row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
        row.save(update_fields=["status", "last_error", "claimed_until", "next_attempt_at"])
        return
    row.status = MessageStatus.FAILED
    row.failed_at = timezone.now()
    row.save(update_fields=["status", "last_error", "claimed_until", "failed_at"])
    logger.warning("message %s (%s, %s) failed: %s", row.pk, row.kind, row.channel, row.last_error)
    _fall_through(row)


@transaction.atomic
def _settle_unanswered(row: OutboundMessage) -> None:
    """No receipt came for a message that may have left: count it sent (never send it twice on one channel);
    a crisis message also goes to the next channel, so it reaches the person."""
    row = OutboundMessage.objects.select_for_update().get(pk=row.pk)
    if row.status != MessageStatus.UNCERTAIN:
        return
    row.status = MessageStatus.SENT
    row.sent_at = row.sent_at or timezone.now()
    row.claimed_until = None
    row.last_error = (row.last_error or f"{row.channel}: no answer")[:250] + " (no receipt)"
    row.save(update_fields=["status", "sent_at", "claimed_until", "last_error"])
    _fall_through(row)


def messages_needing_attention(*, center_ids: Iterable[int], since: dt.datetime) -> list[OutboundMessage]:
    """Messages of these centers that did not go out (failed, or nobody to send to) since `since`, newest first."""
    return list(
        OutboundMessage.objects.filter(
            center_id__in=list(center_ids),
            status__in=(MessageStatus.FAILED, MessageStatus.NO_ADDRESS),
            created_at__gte=since,
        )
        .select_related("user")
        .order_by("-created_at")[:50]
    )


def messages_purge(*, now: dt.datetime | None = None) -> int:
    """Delete settled messages older than FUCHENG_MESSAGE_KEEP_DAYS (90): their texts carry sign-in codes, links
    and what happened to someone; the case's own record keeps what must be kept. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=int(_setting("FUCHENG_MESSAGE_KEEP_DAYS", 90)))
    settled = OutboundMessage.objects.filter(created_at__lt=cutoff).exclude(status__in=UNSENT)
    # A fall-through row points at the one it replaced (SET_NULL): deleting both in one statement is fine.
    deleted, _ = settled.delete()
    return deleted


def test_message_send(*, user: User, now: dt.datetime | None = None) -> list[OutboundMessage]:
    """ "Send me a test alert": one message on every configured channel that can reach the person, sent at once
    when no transaction is open. Returns the rows, whose states the page then shows."""
    stamp = (now or timezone.now()).strftime("%Y%m%d%H%M%S%f")
    rows = []
    with transaction.atomic():
        for channel in (MessageChannel.SMS, MessageChannel.WECOM, MessageChannel.WECHAT, MessageChannel.EMAIL):
            if channel_for(channel) is None:
                continue
            rows.append(
                message_queue(
                    kind=MessageKind.TEST,
                    channel=channel,
                    address=address_of(user, channel),
                    subject=TEST_SUBJECT,
                    text=TEST_TEXT,
                    key=f"test:{user.pk}:{stamp}:{channel}",
                    user=user,
                    priority=CRISIS_PRIORITY,
                )
            )
    messages_dispatch_now()
    # Read again in one query: the dispatch above changed their states.
    return list(OutboundMessage.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk"))


def test_messages_recent(*, user: User, limit: int = 8) -> list[OutboundMessage]:
    """The person's latest test messages, newest first, with their states (a receipt may have come since)."""
    return list(OutboundMessage.objects.filter(user=user, kind=MessageKind.TEST).order_by("-created_at", "-pk")[:limit])
