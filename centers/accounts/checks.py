"""Deploy checks for the separated administrators (等保 level 3): `check --deploy` in production refuses an active
superuser and anybody holding two administrator duties. They read the database: run them where it is reachable."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connection

from centers.accounts.administrators import separation_breaches
from centers.models import User


@register(Tags.security, deploy=True)
def fucheng_administrator_checks(app_configs, **kwargs):
    """等保 level 3: separated administrators. In production no active superuser (one account that is system
    administrator, security administrator and auditor at once), and nobody holding two duties."""
    if not settings.PRODUCTION:
        return []
    try:
        if User._meta.db_table not in connection.introspection.table_names():
            return []  # an empty database (before migrate) holds no account to refuse
        superusers = list(User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True))
        breaches = separation_breaches()
    except DatabaseError as exc:  # the database cannot be reached: say so rather than pass silently
        return [Warning(f"Could not read the administrators from the database: {exc}", id="fucheng.W011")]
    errors = []
    if superusers:
        errors.append(
            Error(
                "Active superuser accounts in production: " + ", ".join(superusers) + ".",
                hint="Give the duties to separate accounts (manage.py grant_administrator) and take the superuser "
                "flag away (manage.py shell, or the admin site in development).",
                id="fucheng.E011",
            )
        )
    if breaches:
        errors.append(
            Error("One person holds two administrator duties: " + "; ".join(breaches) + ".", id="fucheng.E012")
        )
    return errors
