"""Run the outbox dispatcher (cases/services/dispatch.py) as its own process, beside the Celery worker and beat."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from cases.services.dispatch import outbox_dispatch


class Command(BaseCommand):
    help = (
        "Every few seconds: send due notifications and appointment messages without the broker, and tell the "
        "supervisors and the escalation contact when the crisis sweep stops and when it runs again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.FUCHENG_DISPATCH_INTERVAL_SECONDS,
            help="seconds between passes (default %(default)s)",
        )
        parser.add_argument("--once", action="store_true", help="one pass, then exit (cron, tests)")

    def handle(self, *args, interval: float, once: bool, **options):
        while True:
            result = outbox_dispatch()
            if once or any(value for value in result.values()):
                self.stdout.write(
                    ", ".join(f"{name}: {value if value != '' else '-'}" for name, value in result.items())
                )
            if once:
                return
            time.sleep(interval)
