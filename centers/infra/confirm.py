"""The one confirmation step before an act that cannot be undone: a page of its own (no script, the CSP forbids
inline script), that repeats what will happen and carries what the person typed, so going ahead or back loses
nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    """Whether this POST comes from the confirmation page's "yes" button."""
    return request.POST.get(CONFIRM_FIELD) == "yes"


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    confirm_label: str,
    back_url: str,
    choice: dict | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Ask before acting: the same URL is posted again with everything the person sent and `confirmed=yes`.
    `choice` adds one required question to answer on this page (name, label, options as (value, label), and
    optionally a checkbox `kind`)."""
    carried = [
        (key, value)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", CONFIRM_FIELD) and not (choice and key == choice["name"])
        for value in request.POST.getlist(key)
    ]
    return render(
        request,
        "partials/confirm_page.html",
        {
            "title": title,
            "consequences": consequences,
            "confirm_label": confirm_label,
            "back_url": back_url,
            "carried": carried,
            "action": request.get_full_path(),
            "choice": choice,
            "chosen": request.POST.get(choice["name"], "") if choice else "",
            "error": error,
        },
        status=status,
    )
