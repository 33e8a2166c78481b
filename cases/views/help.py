""" "I need help now": hotlines for everyone, an urgent callback for residents and visitors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import forms, selectors
from cases.http import posted
from cases.services import callbacks as callback_services
from cases.services import intake as intake_services
from centers.accounts.security import client_ip
from centers.infra.errors import form_errors
from centers.models import User
from centers.policies import resident_of
from centers.submissions.services import once_per_submission, submission_stored


@once_per_submission
def help_now(request: HttpRequest) -> HttpResponse:
    """Hotlines for everyone; a signed-in resident can also ask for an urgent callback (again, if need be)."""
    user = request.user
    resident = resident_of(user)
    form = None
    if resident is not None and isinstance(user, User):  # a resident is always a signed-in user
        form = forms.HelpNowForm(request.POST or None, initial={"phone": resident.phone or user.phone})
        if request.method == "POST" and form.is_valid():
            try:
                intake_services.help_now_request(actor=user, phone=form.cleaned_data["phone"], resident=resident)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                submission_stored(request)
                messages.success(request, help_now_next_steps(form.cleaned_data["phone"]))
                return redirect("cases:help_now")
    elif not request.user.is_authenticated:
        return _visitor_callback(request)
    elif request.method == "POST":  # staff: the callback is for the people the center serves
        return redirect(f"{reverse('account_login')}?next={reverse('cases:help_now')}")
    return render(
        request,
        "cases/help_now.html",
        {"form": form, "resident": resident, "my_requests": selectors.my_callback_requests(user=request.user)},
    )


def _visitor_callback(request: HttpRequest) -> HttpResponse:
    """A visitor without an account leaves a number (and a name if they like) for an urgent callback."""
    form = forms.VisitorCallbackForm(posted(request), centers=selectors.visitor_callback_centers())
    if request.method == "POST" and form.is_valid():
        try:
            callback = callback_services.visitor_callback_request(
                center=form.cleaned_data["center"],
                phone=form.cleaned_data["phone"],
                name=form.cleaned_data["name"],
                client_address=client_ip(request),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            submission_stored(request)
            messages.success(request, help_now_next_steps(callback.phone))
            return redirect("cases:help_now")
    return render(request, "cases/help_now.html", {"visitor_form": form}, status=400 if form.errors else 200)


def help_now_next_steps(phone: str) -> str:
    """What happens after a callback request, honestly: no promise of how soon, and the hotlines meanwhile."""
    return _(
        "We have your request and have alerted the counselors on duty. A counselor will call you back on "
        "%(phone)s as soon as one is free; we cannot promise how soon. Keep your phone with you. If you are in "
        "danger, do not wait: call 110 or 120 now. You can also call 12356 or our center's 24-hour number "
        "%(center)s at any time."
    ) % {"phone": phone, "center": settings.CENTER_HOTLINE}
