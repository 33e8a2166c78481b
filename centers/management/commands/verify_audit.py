"""Walk the audit log's keyed hash chain and its anchors; report any edited, removed or inserted row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from centers.audit.log import audit_verify
from centers.audit.models import AuditAnchor, AuditEvent


class Command(BaseCommand):
    help = "Check the audit log's hash chain: exit status 1 and one line per broken link when rows were changed."

    def handle(self, *args, **options):
        problems = audit_verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"The audit log has been tampered with: {len(problems)} problem(s).")
        anchors = AuditAnchor.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {AuditEvent.objects.count()} rows verified, {anchors} anchors checked."
            )
        )
