"""Referrals: staff record the partner's answer; the partner answers through a single-use link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cases import casework, forms, selectors
from cases.services import referrals as referral_services
from centers.http import AuthedRequest
from centers.infra.errors import form_errors


@login_required
def referral_update(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff record a partner's answer and feedback, or make a feedback link for the partner."""
    referral = selectors.referral_for_user(user=request.user, pk=pk)
    form = forms.ReferralUpdateForm(request.POST or None, initial={"status": referral.status})
    link_token = None
    if request.method == "POST" and "make_link" in request.POST:
        _link, token = referral_services.referral_link_create(referral=referral, actor=request.user)
        link_token = request.build_absolute_uri(reverse("cases:partner_feedback", args=[token]))
        form = forms.ReferralUpdateForm(initial={"status": referral.status})
    elif request.method == "POST" and form.is_valid():
        try:
            referral_services.referral_update(
                referral=referral,
                actor=request.user,
                status=form.cleaned_data["status"],
                feedback=form.cleaned_data["feedback"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Referral updated."))
            return redirect(referral.case)
    return render(
        request,
        "cases/referral_update.html",
        {"referral": referral, "form": form, "link": link_token},
        status=400 if form.errors else 200,
    )


@never_cache
def partner_feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The partner's single-use page: only this referral, no sign-in."""
    link = casework.referral_link_find(token=token)
    if link is None:
        return render(request, "cases/partner_feedback_gone.html", status=404)
    form = forms.PartnerFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_services.referral_link_submit(
                token=token, status=form.cleaned_data["status"], feedback=form.cleaned_data["feedback"]
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied:
            return render(request, "cases/partner_feedback_gone.html", status=404)
        else:
            return render(request, "cases/partner_feedback_done.html")
    return render(
        request,
        "cases/partner_feedback.html",
        {"referral": link.referral, "form": form},
        status=400 if form.errors else 200,
    )
