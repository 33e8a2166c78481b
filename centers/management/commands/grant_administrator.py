"""Give an account one of the three administrator duties (system, security, audit) from the shell: how a new
deployment gets its first security administrator, who then grants the others from the admin site. The rule that
nobody holds two duties applies here too; the audit row names "manage.py" as the actor.

    manage.py grant_administrator alice system
    manage.py grant_administrator bob security
    manage.py grant_administrator --withdraw alice
    manage.py grant_administrator --demote-superuser root     (what `check --deploy` asks for in production)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from centers.accounts.administrators import administrator_grant, administrator_withdraw, superuser_demote
from centers.models import AdministratorKind, User


class Command(BaseCommand):
    help = "Grant (or --withdraw) an administrator duty: system, security or audit. One duty per person."

    def add_arguments(self, parser):
        parser.add_argument("account", help="sign-in name or email of an existing account")
        parser.add_argument("duty", nargs="?", choices=AdministratorKind.values)
        parser.add_argument("--withdraw", action="store_true", help="take the person's duty away")
        parser.add_argument(
            "--demote-superuser", action="store_true", help="take Django's superuser and staff flags away"
        )

    def handle(self, *args, account: str, duty: str | None, withdraw: bool, demote_superuser: bool, **options):
        user = User.objects.filter(Q(username=account) | Q(email__iexact=account)).first()
        if user is None:
            raise CommandError(f"No account is signed in as {account!r}.")
        if demote_superuser:
            superuser_demote(actor=None, user=user)
            self.stdout.write(f"{user.username}: no longer a superuser.")
            return
        try:
            if withdraw:
                administrator_withdraw(actor=None, user=user)
                self.stdout.write(f"{user.username}: administrator duty withdrawn.")
                return
            if duty is None:
                raise CommandError("Name the duty: system, security or audit.")
            row = administrator_grant(actor=None, user=user, kind=duty)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{user.username}: {row.get_kind_display()}. Sign-in needs an authenticator app.")
