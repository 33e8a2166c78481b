"""A cry for help survives a database blip.

The posts by which a person asks for help (the self-check, "help now", a visitor's callback request, a line in a
conversation) are run again when the database connection is lost or refused: the broken connection is closed and
the whole request is handled anew, a few times within a few seconds. A failed attempt stored nothing (each write
is one transaction), so the attempt that succeeds stores the request once.

If the database is still away, the person gets a page that renders without it: the hotlines first, a plain
statement that the request is not saved yet, the advice to call now, and a button that sends the same answers
again (kept in the page as hidden fields, with a fresh CSRF token from the cookie, which needs no database).
Every other page keeps the ordinary error page.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template import loader
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("fucheng.crisis_retry")

# The posts that carry a cry for help, by URL name.
CRISIS_POSTS = frozenset({"cases:help_now", "cases:self_check_take", "consult:home", "consult:conversation"})
# Set on the request by the 500 handler when the failure was the database connection.
UNAVAILABLE_FLAG = "fucheng_database_unavailable"
NOT_SENT_FIELDS = frozenset({"csrfmiddlewaretoken"})


def connection_errors() -> tuple[type[BaseException], ...]:
    """Django's wrapped errors and, where the driver is installed, psycopg2's own (raised outside the wrapper)."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        import psycopg2  # optional: absent on SQLite-only installs

        errors += [psycopg2.OperationalError, psycopg2.InterfaceError]
    except ImportError:
        pass
    return tuple(errors)


def is_connection_error(exc: BaseException | None) -> bool:
    return exc is not None and isinstance(exc, connection_errors())


def mark_if_database_unavailable(request: HttpRequest, exc: BaseException | None) -> None:
    """Called by the 500 handler: remember that this request failed because the database was away."""
    if is_connection_error(exc):
        setattr(request, UNAVAILABLE_FLAG, True)


def close_broken_connections() -> None:
    """Close every opened connection so the next attempt connects afresh (never inside a transaction, which
    belongs to someone else, such as a test)."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close()
        except Exception as exc:  # closing a dead connection may itself fail; it is gone either way
            logger.info("crisis_retry: closing %s failed: %s", conn.alias, exc)


def is_crisis_post(request: HttpRequest) -> bool:
    if request.method != "POST":
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in CRISIS_POSTS


class CrisisPostRetryMiddleware:
    """Outermost: runs a crisis post again while the database is away, then shows the resend page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_crisis_post(request):
            return self.get_response(request)
        request.POST  # noqa: B018 - read the body once, so that every attempt sees the same answers
        response = self.get_response(request)
        for delay in settings.FUCHENG_CRISIS_RETRY_DELAYS:
            if not getattr(request, UNAVAILABLE_FLAG, False):
                return response
            logger.warning("crisis_retry: database away on %s; trying again in %ss", request.path, delay)
            close_broken_connections()
            time.sleep(delay)
            setattr(request, UNAVAILABLE_FLAG, False)
            response = self.get_response(request)
        if not getattr(request, UNAVAILABLE_FLAG, False):
            return response
        logger.error("crisis_retry: %s could not be saved; the resend page was shown", request.path)
        close_broken_connections()
        return not_saved_page(request)


def not_saved_page(request: HttpRequest) -> HttpResponse:
    """503 with the hotlines first and a button that sends the same answers again; no database needed."""
    language = translation.get_language_from_request(request)
    kept = [(name, value) for name, values in request.POST.lists() if name not in NOT_SENT_FIELDS for value in values]
    with translation.override(language):
        context = {
            "crisis_hotlines": settings.CRISIS_HOTLINES,
            "home_url": reverse("centers:home"),
            "help_url": reverse("centers:crisis"),
            "action": request.get_full_path(),
            "kept": kept,
            "csrf_value": get_token(request),
            "title": _("Your request could not be saved yet"),
        }
        html = loader.get_template("errors/not_saved.html").render(context)
    response = HttpResponse(html, status=503)
    response["Cache-Control"] = "no-store"
    response["Retry-After"] = "5"
    # This page is made outside the CSRF middleware: let it set the cookie the token belongs to, if new.
    return CsrfViewMiddleware(lambda request: response).process_response(request, response)
