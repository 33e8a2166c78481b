"""Provider status reports: a message the provider took is later reported delivered or failed."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from centers.messaging.models import MessageStatus, OutboundMessage

logger = logging.getLogger(__name__)

# A report only moves a message the provider may have taken; delivered and failed are final, and a report for a
# row still pending (or without an address) names something this portal did not send.
REPORTABLE = (MessageStatus.SENDING, MessageStatus.UNCERTAIN, MessageStatus.SENT)


@transaction.atomic
def message_receipt_record(
    *,
    provider: str,
    delivered: bool,
    provider_message_id: str = "",
    idempotency_key: str = "",
    error: str = "",
    at: datetime | None = None,
) -> OutboundMessage | None:
    """Record one status report (called by the receipt endpoints). Safe to call twice; an unknown id is logged."""
    row = None
    if provider_message_id:
        row = OutboundMessage.objects.select_for_update().filter(provider_message_id=provider_message_id).first()
    if row is None and idempotency_key:
        row = OutboundMessage.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
    if row is None:
        logger.warning("status report from %s for an unknown message (id %r)", provider, provider_message_id)
        return None
    if row.status not in REPORTABLE:
        return row
    when = at or timezone.now()
    row.provider = row.provider or provider
    row.provider_message_id = row.provider_message_id or provider_message_id
    if delivered:
        row.status = MessageStatus.DELIVERED
        row.delivered_at = when
        row.sent_at = row.sent_at or when
        row.claimed_until = None
        row.save(
            update_fields=["status", "delivered_at", "sent_at", "claimed_until", "provider", "provider_message_id"]
        )
    else:
        row.status = MessageStatus.FAILED
        row.failed_at = when
        row.last_error = f"{provider}: {error or 'not delivered'}"[:300]
        row.claimed_until = None
        row.save(
            update_fields=["status", "failed_at", "last_error", "claimed_until", "provider", "provider_message_id"]
        )
    return row
