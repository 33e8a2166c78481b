"""Request-wide rules: staff idle timeout, no caching of personal pages, audit context."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from centers.accounts.security import client_ip, has_second_factor, needs_second_factor
from centers.audit.log import RequestContext, audit_record, current_request, denial_recorded
from centers.audit.models import AuditOutcome
from centers.own_numbers import ACTING_CENTER_SESSION_KEY
from centers.policies import administrator_kind, is_staff_member

LAST_SEEN_KEY = "fucheng_last_seen"
_LAST_SEEN_RESOLUTION = 60  # seconds
# Sent by static/js/idle.js on requests no person asked for (htmx polls and loads, the idle check):
# they never count as activity, so a page left open still times out.
BACKGROUND_HEADER = "X-Fucheng-Background"


def is_background(request: HttpRequest) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class StaffIdleTimeoutMiddleware:
    """Ends a staff session after STAFF_IDLE_TIMEOUT_SECONDS without a person's action: background
    requests (polls, the idle check) neither refresh the mark nor keep the session alive. A background
    request that finds the session expired answers with an htmx redirect to the sign-in page (the page's
    own address as `next`), so the open page leaves at once; idle.js keeps the text being typed.

    Also records the client address for audit rows written during the request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = current_request.set(RequestContext(ip=client_ip(request)))
        try:
            response = self._check_idle(request)
            if response is None:
                response = self.get_response(request)
            return response
        finally:
            current_request.reset(token)

    def _check_idle(self, request: HttpRequest) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not (is_staff_member(user) or user.is_staff or administrator_kind(user))
        ):
            return None
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - int(last_seen) > settings.STAFF_IDLE_TIMEOUT_SECONDS:
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)s minutes without activity. Please sign in again.")
                % {"minutes": settings.STAFF_IDLE_TIMEOUT_SECONDS // 60},
            )
            if is_background(request) or request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=200)
                response["HX-Redirect"] = _sign_in_url(_page_of(request))
                return response
            return redirect(_sign_in_url(request.get_full_path()))
        if is_background(request):
            return None
        # Refresh the mark at most once a minute: writing the session on every request costs a
        # database write per staff page, and a minute is nothing against a 30-minute timeout.
        if last_seen is None or now - int(last_seen) >= _LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN_KEY] = now
        return None


def _page_of(request: HttpRequest) -> str:
    """The page a background request came from (htmx's HX-Current-URL), as a local path."""
    current = request.headers.get("HX-Current-URL", "")
    if current and url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()}):
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def _sign_in_url(next_path: str) -> str:
    return f"{settings.LOGIN_URL_PATH}?{urlencode({'next': next_path})}"


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person may hold personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


# Pages a staff member without a second factor may still open: setting one up, signing out,
# the public pages and the crisis page. Everything else (all personal data) waits.
SECOND_FACTOR_SETUP_ALLOWED = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_change_password",
        "account_set_password",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_authenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "set_language",
        "healthz",
        "cases:alert_link",  # acknowledges a crisis alert from the phone; shows no personal data
        "centers:home",
        "centers:crisis",
    }
)


class StaffSecondFactorMiddleware:
    """Staff without an authenticator app reach no page with personal data until they set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if needs_second_factor(user) and not has_second_factor(user):
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = None
            if view_name is not None and view_name not in SECOND_FACTOR_SETUP_ALLOWED:
                messages.warning(
                    request,
                    _(
                        "Staff accounts need a second factor. Set up an authenticator app to continue; "
                        "until then no personal data is shown."
                    ),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class AuditDeniedMiddleware:
    """Every refused request of a signed-in person (403 or 404) leaves one audit row.

    Views that record their own, more specific denial are not recorded twice. The row names the
    URL pattern and the path (ids only, never personal data); anonymous 404s (scanners) are not kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        flag: list[bool] = []
        token = denial_recorded.set(flag)
        try:
            response = self.get_response(request)
        finally:
            denial_recorded.reset(token)
        user = getattr(request, "user", None)
        if response.status_code in (403, 404) and not flag and user is not None and user.is_authenticated:
            match = getattr(request, "resolver_match", None)
            audit_record(
                actor=user,
                action="access.denied",
                object_type="url",
                object_id=(match.view_name if match else "")[:64],
                outcome=AuditOutcome.DENIED,
                detail={"path": request.path[:200], "method": request.method, "status": response.status_code},
            )
        return response


class ActingCenterMiddleware:
    """Staff in several centers act for the one they chose (own_numbers, kept in the session): the
    choice rides on request.user, so the selectors that pick "the center a staff member acts for"
    (own_numbers.preferred_center) see it without a request argument."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        chosen = session.get(ACTING_CENTER_SESSION_KEY) if session is not None else None
        if chosen is not None and request.user.is_authenticated:
            request.user.acting_center_id = chosen  # type: ignore[attr-defined]  # for this request only
        return self.get_response(request)
