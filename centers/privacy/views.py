"""A resident's consents and their data: see, download, withdraw, erase."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import error_text, form_errors
from centers.models import Resident
from centers.policies import resident_of
from centers.privacy.consent import consent_text
from centers.privacy.forms import ConsentGiveForm, ErasureForm, StaffErasureForm
from centers.privacy.models import ConsentPurpose, ErasureOutcome
from centers.privacy.readable import readable, readable_sections
from centers.privacy.selectors import (
    consent_overviews,
    person_export,
    person_record_holds,
    record_viewers,
    resident_acting_for,
    resident_for_erasure,
    residents_acting_for,
)
from centers.privacy.services import consent_give, consent_withdraw, person_anonymise, person_erase_by_staff


def _person_and_purpose(request: AuthedRequest, resident_pk: int, purpose: str) -> Resident:
    resident = resident_acting_for(user=request.user, pk=resident_pk)
    if resident is None or purpose not in ConsentPurpose.values:
        raise Http404
    return resident


@login_required
def consent_list(request: AuthedRequest) -> HttpResponse:
    """Residents: each consent of theirs and of the children in their care, to give or withdraw."""
    residents = residents_acting_for(user=request.user)
    if not residents:
        raise Http404
    overviews = consent_overviews(residents=residents)
    form = ConsentGiveForm()
    people = [
        {"resident": r, "is_me": i == 0, "purposes": overviews[r.pk], "form": form} for i, r in enumerate(residents)
    ]
    return render(request, "centers/consent_list.html", {"people": people})


@login_required
@require_POST
def consent_give_view(request: AuthedRequest, resident_pk: int, purpose: str) -> HttpResponse:
    """Residents and guardians: give one consent, for the current version of its text."""
    resident = _person_and_purpose(request, resident_pk, purpose)
    form = ConsentGiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["agree"][0]))
        return redirect("centers:consent_list")
    if not confirmed(request):
        me = resident_of(request.user)
        return confirmation_page(
            request,
            title=_("Give this consent?"),
            consequences=[
                str(ConsentPurpose(purpose).label) + ": " + str(consent_text(purpose)),
                _(
                    "It is recorded as given on the portal by you, for %(name)s, with today's date and this version "
                    "of the text."
                )
                % {"name": resident.full_name if me is None or me.pk != resident.pk else _("yourself")},
                _("You can withdraw it on the consents page at any time."),
            ],
            confirm_label=_("Yes, I agree"),
            back_url=reverse("centers:consent_list"),
        )
    try:
        consent_give(resident=resident, purpose=purpose, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Thank you. Your consent is recorded; you can withdraw it here at any time."))
    return redirect("centers:consent_list")


@login_required
@require_POST
def consent_withdraw_view(request: AuthedRequest, resident_pk: int, purpose: str) -> HttpResponse:
    """Residents and guardians: withdraw a consent; nothing new is processed for that purpose from now on."""
    resident = _person_and_purpose(request, resident_pk, purpose)
    consent_withdraw(resident=resident, purpose=purpose, actor=request.user)
    messages.success(request, _("Consent withdrawn. Nothing new is processed for this purpose from now on."))
    return redirect("centers:consent_list")


@login_required
@require_GET
def my_data(request: AuthedRequest) -> HttpResponse:
    """Anyone signed in: everything the portal holds about them, in words; the JSON download keeps the codes."""
    data = person_export(user=request.user)
    purposes = dict(ConsentPurpose.choices)
    consents = [
        {
            "purpose": purposes.get(c["purpose"], c["purpose"]),
            "version": c["version"],
            "given_at": readable(c["given_at"]),
            "by_guardian": c["by_guardian"],
            "withdrawn_at": readable(c["withdrawn_at"]) if c["withdrawn_at"] else "",
        }
        for c in data.get("consents", [])
    ]
    account = data.get("account")
    return render(
        request,
        "centers/my_data.html",
        {
            "data": data,
            "account": account,
            "joined": readable(account["date_joined"]) if account else "",
            "birth_date": readable(data["resident"]["birth_date"]) if data.get("resident") else "",
            "consents": consents,
            "sections": readable_sections(data),
            "resident": resident_of(request.user),
            "wards": residents_acting_for(user=request.user)[1:],
        },
    )


@login_required
@require_GET
def record_viewers_view(request: AuthedRequest) -> HttpResponse:
    """Residents: which staff (by role and station) read or changed their record, and when."""
    resident = resident_of(request.user)
    if resident is None or resident.anonymised_at is not None:
        raise Http404
    return render(request, "centers/record_viewers.html", {"viewers": record_viewers(user=request.user)})


def _download(data: dict[str, Any], name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.json"'
    return response


@login_required
@require_GET
def my_data_download(request: AuthedRequest) -> HttpResponse:
    """Anyone signed in: the same data as a JSON file."""
    return _download(person_export(user=request.user), "fucheng-my-data")


@login_required
@require_GET
def ward_data_download(request: AuthedRequest, resident_pk: int) -> HttpResponse:
    """Guardians: the data of a child in their care as a JSON file."""
    ward = resident_acting_for(user=request.user, pk=resident_pk)
    me = resident_of(request.user)
    if ward is None or me is None or ward.pk == me.pk:
        raise Http404
    return _download(person_export(user=request.user, resident=ward), f"fucheng-child-{ward.pk}")


@login_required
def erase_me(request: AuthedRequest) -> HttpResponse:
    """Residents: erase themselves. Their identifying data goes; the anonymous figures stay right; a counseling
    record that must be kept stays, and the page says what was kept and why."""
    resident = resident_of(request.user)
    if resident is None or resident.anonymised_at is not None:
        raise Http404
    holds = person_record_holds(resident=resident)
    form = ErasureForm(request.POST if request.method == "POST" else None, user=request.user, record_kept=bool(holds))
    if request.method == "POST" and form.is_valid():
        try:
            erasure = person_anonymise(resident=resident, actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            logout(request)
            if erasure.outcome == ErasureOutcome.ERASED:
                messages.success(request, _("Your data has been erased and your account closed."))
                return redirect("centers:home")
            return render(request, "centers/erasure_done.html", {"erasure": erasure, "for_staff": False})
    return render(
        request,
        "centers/erase_me.html",
        {"form": form, "holds": holds, "holds_phone_kept": any(h["contact_needed"] for h in holds)},
    )


@login_required
def staff_erasure(request: AuthedRequest, resident_pk: int) -> HttpResponse:
    """Counselors and supervisors: record and carry out an erasure request for a child or a person without an
    account; the page then says what was erased and what was kept, to tell the person."""
    resident = resident_for_erasure(user=request.user, pk=resident_pk)
    if resident is None:
        raise Http404
    form = StaffErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = person_erase_by_staff(
                resident=resident, actor=request.user, asked_by=form.cleaned_data["asked_by"]
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return render(request, "centers/erasure_done.html", {"erasure": erasure, "for_staff": True})
    holds = person_record_holds(resident=resident)
    return render(
        request,
        "centers/staff_erasure.html",
        {
            "form": form,
            "resident": resident,
            "holds": holds,
            "holds_phone_kept": any(h["contact_needed"] for h in holds),
        },
        status=400 if form.errors else 200,
    )
