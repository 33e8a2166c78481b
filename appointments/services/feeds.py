"""Writes of a counselor's private calendar feed: its secret address, made once and revoked on request."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from appointments.models import CalendarFeed, feed_token_hash
from centers.audit.log import audit_record
from centers.models import User


@transaction.atomic
def calendar_feed_ensure(*, user: User) -> CalendarFeed:
    """The counselor's private feed, created on first use. Only when it is created does the returned feed
    carry its address's secret (`feed.secret`): the table keeps a hash, so it cannot be shown again."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        secret = secrets.token_urlsafe(32)
        feed = CalendarFeed.objects.create(user=user, token_hash=feed_token_hash(secret))
        feed.secret = secret
        audit_record(actor=user, action="calendar_feed.create", obj=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> CalendarFeed:
    """Revoke the old address (it stops working at once) and issue a new one, returned with its secret."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return calendar_feed_ensure(user=user)
    secret = secrets.token_urlsafe(32)
    feed.token_hash = feed_token_hash(secret)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token_hash", "created_at"])
    feed.secret = secret
    audit_record(actor=user, action="calendar_feed.revoke", obj=feed)
    return feed
