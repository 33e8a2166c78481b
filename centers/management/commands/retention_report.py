"""Write the month's retention report of every center (the beat does it on the 1st) and print it."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from centers.retention.services import report_write


class Command(BaseCommand):
    help = "Write (or write again) the retention report of a month: what becomes due per record type, what is held."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; this month when left out")

    def handle(self, *args, month: str | None, **options):
        if month:
            try:
                day = dt.datetime.strptime(month, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError(f"--month must look like 2026-12, not {month!r}.") from exc
        else:
            day = timezone.localdate()
        for report in report_write(month=day):
            self.stdout.write(f"{report.center} {report.month:%Y-%m}")
            for row in report.rows:
                self.stdout.write(
                    f"  {row['record_type']}: due this month {row['due_this_month']}, overdue {row['overdue']}, "
                    f"held {row['held']}"
                )
            self.stdout.write(f"  holds in force: {len(report.holds)}")
