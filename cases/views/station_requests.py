"""Contacts passed to a station (issue 25, item 3): the station's counselors see them and take them up."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors
from cases.services.station_requests import station_request_take_up
from cases.views.common import audit_shown, case_worker_required
from centers.http import AuthedRequest


@login_required
def station_requests(request: AuthedRequest) -> HttpResponse:
    """The contacts waiting for the user's station(s), oldest first."""
    case_worker_required(request)
    waiting = list(selectors.station_requests_waiting(user=request.user))
    audit_shown(request, "station_request.list_view", station_requests=waiting)
    return render(request, "cases/station_requests.html", {"waiting": waiting})


@login_required
@require_POST
def station_request_take(request: AuthedRequest, pk: int) -> HttpResponse:
    case_worker_required(request)
    passed = selectors.station_requests_waiting(user=request.user).filter(pk=pk).first()
    if passed is None:
        raise Http404
    try:
        case, created = station_request_take_up(actor=request.user, request=passed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("cases:station_requests")
    if created:
        messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
    else:
        messages.info(request, _("The contact was added to %(ref)s.") % {"ref": case.reference})
    return redirect(case)
