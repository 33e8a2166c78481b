"""Anchor the audit chain now (beat does it every hour): its head and row count, signed, in the table and
in a write-once file outside the database."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from centers.audit.log import audit_anchor
from centers.audit.models import AuditAnchorKind


class Command(BaseCommand):
    help = "Record a signed anchor of the audit chain (head hash and row count) in the table and outside it."

    def handle(self, *args, **options):
        anchor = audit_anchor(kind=AuditAnchorKind.MANUAL)
        self.stdout.write(self.style.SUCCESS(f"Anchored at row {anchor.last_id} ({anchor.row_count} rows)."))
