"""Error pages (400, 403, 404, 500 and a refused form) that still help: in the visitor's language, with the
crisis hotlines and a way back.

They are rendered without the request's context processors and without touching the database, so the 500
page still shows when the database is down; the hotlines come from the settings. If even the template fails,
the 500 page falls back to a fixed page that still lists the hotlines.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from centers.infra.error_pages import error_page_html
from fucheng.crisis_retry import mark_if_database_unavailable

logger = logging.getLogger("fucheng.errors")

FALLBACK = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>出错了 Error</title></head><body>'
    "<h1>出错了，请稍后再试。Something went wrong; please try again later.</h1>"
    '<p>需要帮助请拨打 In crisis call: {numbers}</p><p><a href="/">返回首页 Home</a></p></body></html>'
)


def _render(status: int, title: str, message: str, *, back: bool = False) -> HttpResponse:
    # No request: no context processor runs, so nothing here reads the database or the session.
    response = HttpResponse(error_page_html(status=status, title=title, message=message, back=back), status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400: the request could not be understood."""
    return _render(400, _("This request could not be handled"), _("Please go back and try again."), back=True)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """403: not allowed."""
    return _render(
        403,
        _("You cannot open this page"),
        _("Your account does not allow this. If you think it should, ask your center's supervisor."),
        back=True,
    )


def too_many_requests(request: HttpRequest, exception=None) -> HttpResponse:
    """429: allauth's rate limits (sign-in, codes, changing a number or an address) ask the person to wait."""
    return _render(
        429,
        _("Too many attempts"),
        _("Please wait a few minutes, then try again. If you are in danger now, call one of the numbers above."),
        back=True,
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: no such page, or not one this person may see (the two look the same on purpose)."""
    return _render(
        404,
        _("We cannot find this page"),
        _("The address may be mistyped, or the page has moved or is not open to you."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """500: something failed on our side; renders with the database down."""
    mark_if_database_unavailable(request, sys.exc_info()[1])
    try:
        return _render(
            500,
            _("Something went wrong on our side"),
            _("We have been told and are working on it. Please try again in a few minutes."),
            back=True,
        )
    except Exception:  # the error page itself failed: a fixed page, still with the hotlines
        logger.exception("errors: the 500 page could not be rendered")
        numbers = " · ".join(str(line["number"]) for line in settings.CRISIS_HOTLINES)
        return HttpResponse(FALLBACK.format(numbers=numbers), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a refused form (expired page or cookies off): what to do, not the technical reason."""
    return _render(
        403,
        _("This form has expired"),
        _(
            "For your safety, forms expire. Go back, reload the page and send it again; your browser must accept "
            "cookies from this site."
        ),
        back=True,
    )
