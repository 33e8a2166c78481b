"""Print the current authenticator-app code of a demo staff account (demo only)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from centers.accounts.demo_security import DEMO_TOTP_SECRET, demo_totp_code, is_demo_account


class Command(BaseCommand):
    help = "Print the current six-digit sign-in code of a demo staff account (they share a fixed demo secret)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo staff account, e.g. counselor@demo.fucheng.cn")

    def handle(self, *args, email: str, **options):
        if not is_demo_account(email):
            raise CommandError("Only demo accounts (…@demo.fucheng.cn) have a known authenticator secret.")
        self.stdout.write(demo_totp_code())
        self.stderr.write(f"(Or add the secret {DEMO_TOTP_SECRET} to an authenticator app.)")
