"""Sign-in security: the staff second factor, lockout keys, and audit rows for sign-in events.

ARCHITECTURE.md section 5: staff sign in with a second factor; repeated failed sign-ins lock
the account for a while; every sign-in, sign-out, lockout and factor change is an audit row.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from allauth.account.adapter import get_adapter
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from centers import access_cache
from centers.audit.log import audit_record
from centers.audit.models import AuditEvent, AuditOutcome
from centers.models import AdministratorKind, User
from centers.policies import administrator_kind, can_manage_staff, is_administrator, is_staff_member

logger = logging.getLogger(__name__)


def needs_second_factor(user) -> bool:
    """Anyone who may see other people's data: staff members, admin users and superusers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or is_staff_member(user) or administrator_kind(user))


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


_GENERATION_KEY = "fucheng:sign-in-generation:{}"
_GENERATION_SECONDS = 24 * 3600  # outlives every failure counter by far


def _generation(user_id: int) -> int:
    """Raised by every unlock: the counters written under an older one are never read again."""
    try:
        return int(cache.get(_GENERATION_KEY.format(user_id)) or 0)
    except Exception:  # the cache is down: allauth's limiter lets sign-ins through then anyway
        return 0


def lockout_key(credentials: dict, *, address: str | None) -> str:
    """One failure counter per account and client address, whichever identifier (email or mobile) is typed.

    Someone who knows a counselor's email and types wrong passwords pauses sign-in for that account from their
    own address only: the counselor signing in from the station is not locked out. (The per-address limit of
    ACCOUNT_RATE_LIMITS slows one address across accounts.) Unknown identifiers get their own counter, so
    probing them pauses nobody real.
    """
    where = address or "-"
    user = account_for_login(credentials)
    if user is not None:
        return f"account:{user.pk}:{_generation(user.pk)}@{where}"
    typed = credentials.get("email") or credentials.get("phone") or credentials.get("username") or ""
    return f"unknown:{typed.strip().lower()[:254]}@{where}"


def sign_in_unlock(*, actor: User, user: User, center_id: int | None = None) -> None:
    """Lift every sign-in pause on `user` (from every address): their security administrator, or a supervisor of
    a center where they hold a role (`center_id`). An audit row either way."""
    allowed = is_administrator(actor, AdministratorKind.SECURITY) or bool(
        center_id is not None
        and can_manage_staff(actor, center_id)
        and user.memberships.filter(center_id=center_id, is_active=True).exists()
    )
    if not allowed and not (actor.is_superuser and not settings.PRODUCTION):
        raise PermissionDenied
    key = _GENERATION_KEY.format(user.pk)
    try:
        if not cache.add(key, 1, timeout=_GENERATION_SECONDS):
            cache.incr(key)
            cache.touch(key, _GENERATION_SECONDS)
    except Exception as exc:  # nothing to lift while the cache is down: the limiter is not counting either
        logger.warning("sign-in unlock: cache unreachable (%s)", exc)
    audit_record(actor=actor, action="login.unlock", obj=user, center_id=center_id)


def sign_in_paused_since(user_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """The accounts among `user_ids` whose sign-in was refused for wrong passwords in the last lockout period
    and not unlocked since: {user id: the last refusal}. Read from the audit log (one query), so every web
    process agrees."""
    ids = [str(pk) for pk in user_ids]
    if not ids:
        return {}
    since = timezone.now() - dt.timedelta(minutes=settings.FUCHENG_LOCKOUT_MINUTES)
    paused: dict[int, dt.datetime] = {}
    rows = (
        AuditEvent.objects.filter(
            action__in=["login.locked", "login.unlock"], object_type="centers.user", object_id__in=ids, at__gte=since
        )
        .order_by("id")
        .values_list("object_id", "action", "at")
    )
    for object_id, action, at in rows:
        if action == "login.locked":
            paused[int(object_id)] = at
        else:
            paused.pop(int(object_id), None)
    return paused


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

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy("That code is not right: type the 6 digits your authenticator app shows now."),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and needs_second_factor(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
