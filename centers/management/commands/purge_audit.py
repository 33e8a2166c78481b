"""Remove audit rows past their retention period. Never younger than six months (183 days):
the command refuses, and the database trigger would refuse too. The purge is recorded (a row) and
re-anchored: a signed anchor records the new start of the chain, so verify_audit can tell a purge from
rows deleted by hand."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from centers.audit.log import audit_anchor, audit_record
from centers.audit.models import AuditAnchorKind, AuditEvent

MIN_RETENTION_DAYS = 183


class Command(BaseCommand):
    help = "Delete audit rows older than --older-than-days (at least 183). The chain stays verifiable."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days", type=int, default=None, help="FUCHENG_RETENTION_AUDIT_DAYS if left out"
        )

    @transaction.atomic
    def handle(self, *args, older_than_days: int | None, **options):
        if older_than_days is None:
            older_than_days = int(settings.FUCHENG_RETENTION_AUDIT_DAYS)
        if older_than_days < MIN_RETENTION_DAYS:
            raise CommandError(f"Audit rows are kept at least {MIN_RETENTION_DAYS} days; refusing {older_than_days}.")
        cutoff = timezone.now() - dt.timedelta(days=older_than_days)
        # Remove only a prefix of the chain (ids in order), so what remains still verifies.
        first_young = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        old = AuditEvent.objects.filter(at__lt=cutoff)
        if first_young is not None:
            old = old.filter(id__lt=first_young)
        last = old.order_by("-id").values_list("id", "hash").first()
        if last is None:
            self.stdout.write(f"No audit rows older than {older_than_days} days.")
            return
        count, _ = old.delete()
        audit_record(
            actor=None,
            action="audit.purge",
            actor_label="system",
            detail={"rows": count, "days": older_than_days, "through_id": last[0]},
        )
        audit_anchor(kind=AuditAnchorKind.PURGE, base=last, purged_rows=count)
        self.stdout.write(self.style.SUCCESS(f"{count} audit rows older than {older_than_days} days removed."))
