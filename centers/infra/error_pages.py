"""The error page every failure shows, from Django or from the proxy in front of it: the visitor's language,
what happened, the crisis hotlines and a way back. Rendered without a request, so nothing here reads the
database or the session (fucheng/errors.py renders Django's own error pages with it; the
`proxy_error_pages` command writes the proxy's, for when no web instance answers).
"""

from __future__ import annotations

from django.conf import settings
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _


def error_page_html(*, status: int, title: str, message: str, back: bool = False) -> str:
    context = {
        "status": status,
        "title": title,
        "message": message,
        "back": back,
        "crisis_hotlines": settings.CRISIS_HOTLINES,
        "home_url": reverse("centers:home"),
        "help_url": reverse("centers:crisis"),
    }
    return loader.get_template("errors/error.html").render(context)


# What the proxy answers itself: an instance died mid-request (502), none is up (503), none answered in time (504).
PROXY_STATUSES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def proxy_error_html(status: int) -> str:
    return error_page_html(
        status=status,
        title=_("The service is briefly unavailable"),
        message=_(
            "Please try again in a minute. If you were sending a form, reload this page and confirm that you want "
            "to send it again. If you need to talk to someone now, call one of the numbers below."
        ),
        back=False,  # going back would open the form afresh, and sending it then would store it a second time
    )


def proxy_error_response(status: int) -> bytes:
    """A whole HTTP response, as HAProxy's `errorfile` wants it (headers included; it must fit one buffer)."""
    body = proxy_error_html(status).encode()
    head = (
        f"HTTP/1.0 {status} {PROXY_STATUSES[status]}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body
