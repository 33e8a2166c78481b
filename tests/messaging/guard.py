"""The email backend of the whole test suite (tests/conftest.py): Django's in-memory backend that refuses an email
which did not come through the outbox, so any send that bypasses it fails the test that makes it."""

from __future__ import annotations

from django.core.mail.backends.locmem import EmailBackend

from centers.messaging.services import in_dispatch


class OutboxOnlyEmailBackend(EmailBackend):
    def send_messages(self, messages):
        if not in_dispatch():
            addresses = [address for message in messages for address in message.to]
            raise AssertionError(f"an email to {addresses} bypassed the outbox (centers.messaging.services)")
        return super().send_messages(messages)
