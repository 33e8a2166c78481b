"""The retention page (supervisors and auditors): this month's figures per center and record type, the holds,
the monthly reports; supervisors place and release legal holds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.audit.log import audit_record
from centers.http import AuthedRequest
from centers.infra.errors import form_errors
from centers.models import Center, Resident
from centers.policies import supervised_center_ids
from centers.retention.forms import PERSON, HoldForm
from centers.retention.policies import can_manage_holds, can_read_retention
from centers.retention.schedule import audit_days, record_types, years_for
from centers.retention.selectors import hold_for, holds_for, reports_for, retention_overview
from centers.retention.services import hold_place, hold_release


def _hold_form(request: AuthedRequest, data=None) -> HoldForm:
    centers = Center.objects.filter(pk__in=supervised_center_ids(request.user))
    return HoldForm(data, centers=centers, record_types=record_types(), initial={"record_type": "case"})


def _page(request: AuthedRequest, form: HoldForm | None = None, status: int = 200) -> HttpResponse:
    month = timezone.localdate()
    schedule = [
        {"label": kind.label, "setting": kind.setting, "years": years_for(kind.code)} for kind in record_types()
    ]
    audit_record(actor=request.user, action="retention.read", detail={"month": month.isoformat()})
    context = {
        "month": month,
        "overview": retention_overview(user=request.user, month=month),
        "holds": holds_for(user=request.user)[:200],
        "reports": reports_for(user=request.user)[:24],
        "schedule": schedule,
        "audit_days": audit_days(),
        "form": form if form is not None else (_hold_form(request) if supervised_center_ids(request.user) else None),
        "labels": {kind.code: kind.label for kind in record_types()},
    }
    return render(request, "centers/retention.html", context, status=status)


@login_required
def retention_page(request: AuthedRequest) -> HttpResponse:
    if not can_read_retention(request.user):
        audit_record(actor=request.user, action="retention.read", outcome="denied")
        raise Http404
    return _page(request)


@login_required
@require_POST
def hold_place_view(request: AuthedRequest) -> HttpResponse:
    if not supervised_center_ids(request.user):
        raise Http404
    form = _hold_form(request, request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    center = Center.objects.get(pk=data["center"])
    try:
        if data["record_type"] == PERSON:
            resident = Resident.objects.filter(pk=data["number"], center=center).first()
            if resident is None:
                raise ValidationError(_("There is no such person at this center."))
            hold_place(actor=request.user, center=center, reason=data["reason"], resident=resident)
        else:
            hold_place(
                actor=request.user,
                center=center,
                reason=data["reason"],
                record_type_code=data["record_type"],
                object_id=data["number"],
            )
    except ValidationError as exc:
        form_errors(form, exc)
        return _page(request, form, status=400)
    messages.success(request, _("The legal hold is placed: the record is kept until the hold is released."))
    return redirect("retention:page")


@login_required
@require_POST
def hold_release_view(request: AuthedRequest, pk: int) -> HttpResponse:
    hold = hold_for(user=request.user, pk=pk)
    if hold is None or not can_manage_holds(request.user, hold.center_id):
        raise Http404
    try:
        hold_release(actor=request.user, hold=hold)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The hold is released: the record follows its retention period again."))
    return redirect("retention:page")
