"""Who holds which administrator duty, and the rule that nobody holds two (centers.accounts.models).

Granting and withdrawing a duty are audit rows. The security administrator grants duties from the admin site;
an operator with shell access grants the first ones (`manage.py grant_administrator`), the actor then being
"manage.py" in the audit log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.models import Administrator, AdministratorKind, Membership, Role, User
from centers.policies import is_administrator


def separation_problem(user: User, kind: str) -> str | None:
    """Why `user` may not take duty `kind`, or None: a superuser holds every duty at once, a second duty is
    refused, and a center's auditor role is an audit duty."""
    if user.is_superuser:
        return _("A superuser holds every duty at once; give the duty to an ordinary account.")
    held = Administrator.objects.filter(user=user, is_active=True).exclude(kind=kind).first()
    if held is not None:
        return _("This person is already the %(duty)s; nobody holds two administrator duties.") % {
            "duty": held.get_kind_display()
        }
    if (
        kind != AdministratorKind.AUDIT
        and Membership.objects.filter(user=user, role=Role.AUDITOR, is_active=True).exists()
    ):
        return _("This person audits a center; an auditor may not also administer the system or its security.")
    return None


@transaction.atomic
def administrator_grant(*, actor: User | None, user: User, kind: str) -> Administrator:
    """Give `user` duty `kind` (actor None: the shell). Only a security administrator grants from the portal,
    never to themselves."""
    if kind not in AdministratorKind.values:
        raise ValidationError({"kind": _("Unknown administrator duty.")})
    if actor is not None and not is_administrator(actor, AdministratorKind.SECURITY):
        raise PermissionDenied
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"user": _("Nobody grants an administrator duty to themselves.")})
    User.objects.select_for_update().filter(pk=user.pk).first()
    problem = separation_problem(user, kind)
    if problem:
        raise ValidationError({"user": problem})
    row, _created = Administrator.objects.update_or_create(
        user=user, defaults={"kind": kind, "is_active": True, "granted_by": actor}
    )
    audit_record(
        actor=actor,
        action="administrator.grant",
        obj=row,
        detail={"kind": kind, "user": user.pk},
        actor_label=None if actor is not None else "manage.py",
    )
    return row


@transaction.atomic
def administrator_withdraw(*, actor: User | None, user: User) -> None:
    if actor is not None and not is_administrator(actor, AdministratorKind.SECURITY):
        raise PermissionDenied
    row = Administrator.objects.select_for_update().filter(user=user, is_active=True).first()
    if row is None:
        raise ValidationError({"user": _("This person holds no administrator duty.")})
    row.is_active = False
    row.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="administrator.withdraw",
        obj=row,
        detail={"kind": row.kind, "user": user.pk},
        actor_label=None if actor is not None else "manage.py",
    )


def separation_breaches() -> list[str]:
    """Every administrator who also audits a center (for `check --deploy`; superusers are refused there too)."""
    breaches: list[str] = []
    auditors = set(Membership.objects.filter(role=Role.AUDITOR, is_active=True).values_list("user_id", flat=True))
    for row in Administrator.objects.filter(
        is_active=True, kind__in=[AdministratorKind.SYSTEM, AdministratorKind.SECURITY], user_id__in=auditors
    ).select_related("user"):
        breaches.append(
            _("%(name)s is the %(duty)s and a center's auditor")
            % {"name": row.user.username, "duty": row.get_kind_display()}
        )
    return breaches


@transaction.atomic
def superuser_demote(*, actor: User | None, user: User) -> None:
    """Take Django's superuser and staff flags away (production has separated administrators instead)."""
    if actor is not None and not is_administrator(actor, AdministratorKind.SECURITY):
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(is_superuser=False, is_staff=False)
    audit_record(
        actor=actor, action="superuser.demote", obj=user, actor_label=None if actor is not None else "manage.py"
    )
