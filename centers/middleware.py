"""Request-wide rules: staff idle timeout, no caching of personal pages, audit context."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .audit import RequestContext, current_request
from .policies import is_staff_member

_LAST_SEEN = "fucheng_last_seen"


class StaffIdleTimeoutMiddleware:
    """Ends a staff session after STAFF_IDLE_TIMEOUT_SECONDS without a request.

    Also records the client address for audit rows written during the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(RequestContext(ip=request.META.get("REMOTE_ADDR") or None))
        try:
            response = self._check_idle(request)
            if response is None:
                response = self.get_response(request)
            return response
        finally:
            current_request.reset(token)

    def _check_idle(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not (is_staff_member(user) or user.is_staff):
            return None
        now = int(time.time())
        last_seen = request.session.get(_LAST_SEEN)
        if last_seen is not None and now - int(last_seen) > settings.STAFF_IDLE_TIMEOUT_SECONDS:
            logout(request)
            messages.info(request, _("You were signed out after 30 minutes without activity. Please sign in again."))
            return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
        request.session[_LAST_SEEN] = now
        return None


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person may hold personal data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
