"""Supervisors merge two records of one person: find them, see what will move, confirm."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centers.audit.log import audit_record
from centers.http import AuthedRequest
from centers.infra.errors import form_errors
from centers.policies import supervised_center_ids
from centers.records.selectors import merge_preview, resident_for_merge, resident_search_for_staff
from centers.records.services import resident_merge


class MergeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why these two records are one person"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked: these two records are the same person."),
        error_messages={"required": gettext_lazy("Tick the box to confirm that both records are the same person.")},
    )


def _supervisor_or_404(request: HttpRequest) -> None:
    if not supervised_center_ids(request.user):
        raise Http404


@login_required
def resident_merge_find(request: AuthedRequest) -> HttpResponse:
    """Supervisors: search people by name or number and pick the record to keep and the one to fold in."""
    _supervisor_or_404(request)
    query = request.GET.get("q", "")[:60]
    rows = resident_search_for_staff(user=request.user, query=query) if query else []
    if query:
        audit_record(
            actor=request.user, action="resident.search", object_type="centers.resident", detail={"for": "merge"}
        )
    return render(request, "centers/resident_merge_find.html", {"query": query, "rows": rows})


@login_required
def resident_merge_confirm(request: AuthedRequest) -> HttpResponse:
    """Supervisors: what will move from one record to the other; merge on confirmation."""
    _supervisor_or_404(request)
    params = request.POST if request.method == "POST" else request.GET
    kept_pk, removed_pk = params.get("kept", ""), params.get("removed", "")
    if not (kept_pk.isdigit() and removed_pk.isdigit()):
        messages.error(request, _("Choose the record to keep and the record to fold into it."))
        return redirect(reverse("centers:resident_merge_find") + f"?q={params.get('q', '')}")
    kept = resident_for_merge(user=request.user, pk=int(kept_pk))
    removed = resident_for_merge(user=request.user, pk=int(removed_pk))
    if kept is None or removed is None:
        raise Http404
    if kept.pk == removed.pk:
        messages.error(request, _("Choose two different records of one person."))
        return redirect(reverse("centers:resident_merge_find") + f"?q={params.get('q', '')}")
    form = MergeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            resident_merge(kept=kept, removed=removed, actor=request.user, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The two records of %(name)s are now one; everything of the other record moved to it.")
                % {"name": kept.full_name},
            )
            return redirect(reverse("centers:resident_merge_find") + f"?q={kept.full_name}")
    lines, clashes = merge_preview(kept=kept, removed=removed)
    return render(
        request,
        "centers/resident_merge_confirm.html",
        {"kept": kept, "removed": removed, "lines": lines, "clashes": clashes, "form": form},
        status=400 if form.errors else 200,
    )
