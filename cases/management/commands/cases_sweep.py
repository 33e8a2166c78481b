"""Run the cases sweep once (what beat runs every minute): for operators, cron, or a demo without beat."""

from django.core.management.base import BaseCommand

from cases import tasks


class Command(BaseCommand):
    help = "Escalate due crisis alerts and overdue follow-ups, and send unsent notifications (safe to run twice)."

    def handle(self, *args, **options):
        result = tasks.sweep()
        self.stdout.write(
            f"alerts escalated: {result['alerts_escalated']}, follow-ups escalated: {result['follow_ups_escalated']}, "
            f"conversations alerted: {result['conversations_alerted']}, "
            f"conversations handed over: {result['conversations_handed_over']}, messages sent: {result['sent']}"
        )
