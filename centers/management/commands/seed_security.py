"""Demo only: give the demo staff (seed_demo) the fixed demo authenticator secret. Idempotent."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from centers.accounts.demo_security import DEMO_DOMAIN, DEMO_TOTP_SECRET, demo_give_totp
from centers.models import User


class Command(BaseCommand):
    help = "Give every demo staff account the demo's fixed authenticator secret (refused in production)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo authenticator secret is never set up in production.")
        staff = User.objects.filter(email__iendswith="@" + DEMO_DOMAIN, memberships__is_active=True).distinct()
        added = sum(demo_give_totp(user) for user in staff)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo staff sign in with a second factor ({added} set up now). Get the current code with "
                "`python manage.py demo_totp <email>`, or add the secret "
                f"{DEMO_TOTP_SECRET} to an authenticator app."
            )
        )
