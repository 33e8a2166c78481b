"""Remove the records whose retention has ended (docs/security.md, "Retention"), except those a legal hold
keeps and those of a person whose counseling record is still open; then the audit rows older than
FUCHENG_RETENTION_AUDIT_DAYS (purge_audit). --dry-run prints what would go and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from centers.audit.models import AuditEvent
from centers.retention.schedule import audit_days, schedule_problems
from centers.retention.services import purge_expired


class Command(BaseCommand):
    help = "Delete records past their retention (not held), in batches; --dry-run only says what it would do."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be removed; change nothing")
        parser.add_argument("--skip-audit", action="store_true", help="leave the audit rows (purge_audit) alone")

    def handle(self, *args, dry_run: bool, skip_audit: bool, **options):
        if problems := schedule_problems():
            raise CommandError("The retention settings are wrong: " + " ".join(problems))
        outcome = purge_expired(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        codes = sorted(set(outcome.removed) | set(outcome.held) | set(outcome.open_case))
        for code in codes:
            ids = outcome.removed.get(code, [])
            self.stdout.write(
                f"{code}: {verb} {len(ids)} {sorted(ids)}; held {len(outcome.held.get(code, []))}; "
                f"kept for an open case {len(outcome.open_case.get(code, []))}"
            )
        if not codes:
            self.stdout.write("No record is past its retention.")
        if skip_audit:
            return
        if dry_run:
            old = AuditEvent.objects.filter(at__lt=_cutoff()).count()
            self.stdout.write(f"audit: would remove the rows older than {audit_days()} days ({old}).")
        else:
            call_command("purge_audit", older_than_days=audit_days(), stdout=self.stdout)


def _cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=audit_days())
