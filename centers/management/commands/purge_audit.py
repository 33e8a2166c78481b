"""Remove audit rows past their retention period. Never younger than six months (183 days):
the command refuses, and the database trigger would refuse too."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from centers.audit import audit_record
from centers.models import AuditEvent

MIN_RETENTION_DAYS = 183


class Command(BaseCommand):
    help = "Delete audit rows older than --older-than-days (at least 183). The chain stays verifiable."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=365)

    @transaction.atomic
    def handle(self, *args, older_than_days: int, **options):
        if older_than_days < MIN_RETENTION_DAYS:
            raise CommandError(f"Audit rows are kept at least {MIN_RETENTION_DAYS} days; refusing {older_than_days}.")
        cutoff = timezone.now() - dt.timedelta(days=older_than_days)
        # Remove only a prefix of the chain (ids in order), so what remains still verifies.
        first_young = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        old = AuditEvent.objects.filter(at__lt=cutoff)
        if first_young is not None:
            old = old.filter(id__lt=first_young)
        count, _ = old.delete()
        audit_record(
            actor=None, action="audit.purge", actor_label="system", detail={"rows": count, "days": older_than_days}
        )
        self.stdout.write(self.style.SUCCESS(f"{count} audit rows older than {older_than_days} days removed."))
