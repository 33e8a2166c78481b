"""Sign-in security: the staff second factor, lockout keys, and audit rows for sign-in events.

ARCHITECTURE.md section 5: staff sign in with a second factor; repeated failed sign-ins lock
the account for a while; every sign-in, sign-out, lockout and factor change is an audit row.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth import user_logged_in, user_logged_out
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from centers import access_cache
from centers.audit.log import audit_record
from centers.audit.models import AuditOutcome
from centers.models import User
from centers.policies import is_staff_member


def needs_second_factor(user) -> bool:
    """Anyone who may see other people's data: staff members, admin users and superusers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or is_staff_member(user))


def has_second_factor(user) -> bool:
    """True when the account has an authenticator app (TOTP) set up; checked once per request."""
    return access_cache.value(
        user,
        "second_factor",
        lambda: Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists(),
    )


def client_ip(request) -> str | None:
    """The client's address, behind FUCHENG_TRUSTED_PROXY_COUNT proxies: the same one allauth's
    per-address limits use, so audit rows and lockout agree."""
    try:
        return get_adapter(request).get_client_ip(request) or None
    except (PermissionDenied, ValueError):
        return request.META.get("REMOTE_ADDR") or None


def account_for_login(credentials: dict) -> User | None:
    """The account a sign-in attempt names (by email or mobile number), or None."""
    email = (credentials.get("email") or "").strip()
    phone = (credentials.get("phone") or "").strip()
    username = (credentials.get("username") or "").strip()
    if not (email or phone or username):
        return None
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if username:
        match |= Q(username=username)
    return User.objects.filter(match).order_by("pk").first()


def lockout_key(credentials: dict) -> str:
    """One failure counter per account, whichever identifier (email or mobile) is typed.

    Unknown identifiers get their own counter, so probing them locks nobody real out.
    """
    user = account_for_login(credentials)
    if user is not None:
        return f"account:{user.pk}"
    typed = credentials.get("email") or credentials.get("phone") or credentials.get("username") or ""
    return f"unknown:{typed.strip().lower()[:254]}"


def audit_sign_in_failed(*, credentials: dict, locked: bool) -> None:
    """A failed or refused sign-in: the row names the account (if any), never the password."""
    user = account_for_login(credentials)
    audit_record(
        actor=None,
        action="login.locked" if locked else "login.failed",
        object_type="centers.user" if user else "",
        object_id=user.pk if user else "",
        outcome=AuditOutcome.DENIED,
        actor_label=str(user.pk) if user else "unknown",
    )


def _on_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="login", obj=user, detail={"second_factor": has_second_factor(user)})


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(actor=user, action="logout", obj=user)


def _on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    audit_record(actor=user, action="mfa.add", obj=user, detail={"type": authenticator.type})


def _on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    audit_record(actor=user, action="mfa.remove", obj=user, detail={"type": authenticator.type})


def _on_mfa_failed(sender, request, user, **kwargs) -> None:
    audit_record(actor=None, action="mfa.failed", obj=user, outcome=AuditOutcome.DENIED, actor_label=str(user.pk))


def connect_signals() -> None:
    """Called from CentersConfig.ready(): sign-in events become audit rows."""
    user_logged_in.connect(_on_logged_in, dispatch_uid="fucheng_audit_login")
    user_logged_out.connect(_on_logged_out, dispatch_uid="fucheng_audit_logout")
    mfa_signals.authenticator_added.connect(_on_authenticator_added, dispatch_uid="fucheng_audit_mfa_add")
    mfa_signals.authenticator_removed.connect(_on_authenticator_removed, dispatch_uid="fucheng_audit_mfa_remove")
    mfa_signals.authentication_failed.connect(_on_mfa_failed, dispatch_uid="fucheng_audit_mfa_failed")


class MFAAdapter(DefaultMFAAdapter):
    """Staff keep their authenticator app: removing it would open personal data to a password alone."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and needs_second_factor(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
