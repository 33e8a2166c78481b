"""The resident's self-check: consent, the questionnaire, the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import forms, selectors
from cases.http import posted
from cases.instruments import INSTRUMENTS, instrument_get
from cases.services import screenings as screening_services
from centers.contacts import contact_phone, person_phone
from centers.http import AuthedRequest
from centers.infra.errors import form_errors
from centers.models import Resident
from centers.privacy.consent import consent_text, has_consent
from centers.privacy.models import ConsentPurpose
from centers.submissions.services import once_per_submission, submission_stored


def _subject(request: AuthedRequest, resident_pk: int) -> Resident:
    for person in selectors.screening_subjects(user=request.user):
        if person.pk == resident_pk:
            return person
    raise Http404


@login_required
def self_check(request: AuthedRequest) -> HttpResponse:
    """Choose a questionnaire, for oneself or a child in one's care."""
    subjects = selectors.screening_subjects(user=request.user)
    if not subjects:
        raise Http404
    rows = [(person, has_consent(person, ConsentPurpose.SCREENING)) for person in subjects]
    return render(request, "cases/self_check.html", {"rows": rows, "instruments": INSTRUMENTS.values()})


@login_required
def self_check_consent(request: AuthedRequest, resident_pk: int) -> HttpResponse:
    """The separate consent for the self-check (a guardian's for a child under 14)."""
    person = _subject(request, resident_pk)
    form = forms.ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            screening_services.screening_consent_give(resident=person, actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your consent is recorded; you can withdraw it at any time."))
            return redirect("cases:self_check")
    return render(
        request,
        "cases/self_check_consent.html",
        {"form": form, "person": person, "text": consent_text(ConsentPurpose.SCREENING)},
    )


@login_required
@once_per_submission
def self_check_take(request: AuthedRequest, resident_pk: int, instrument: str) -> HttpResponse:
    """Answer a questionnaire; acute answers lead straight to the crisis page."""
    person = _subject(request, resident_pk)
    definition = instrument_get(instrument)
    if definition is None:
        raise Http404
    if not has_consent(person, ConsentPurpose.SCREENING):
        messages.info(request, _("Please give your consent to the self-check first."))
        return redirect("cases:self_check_consent", resident_pk=person.pk)
    form = forms.ScreeningForm(posted(request), instrument=definition)
    if request.method == "POST":
        if form.is_valid():
            try:
                screening, _case = screening_services.screening_submit(
                    resident=person, instrument=instrument, answers=form.cleaned_data, actor=request.user
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                submission_stored(request)
                if screening.acute or (screening.item9 or 0) >= 2:
                    return redirect("cases:self_check_help", pk=screening.pk)
                return redirect("cases:self_check_result", pk=screening.pk)
        status = 400
    else:
        status = 200
    return render(
        request, "cases/self_check_take.html", {"form": form, "definition": definition, "person": person}, status=status
    )


@login_required
def self_check_result(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supportive guidance and the hotlines; never a tier label."""
    screening = selectors.screening_of_resident(user=request.user, pk=pk)
    return render(request, "cases/self_check_result.html", {"screening": screening})


@login_required
def self_check_help(request: AuthedRequest, pk: int) -> HttpResponse:
    """The crisis page after acute answers: hotlines first, and the team has been alerted; it says which number the
    team will call, or, when there is none (a person signed up by email), asks for one instead of promising a call."""
    screening = selectors.screening_of_resident(user=request.user, pk=pk)
    person = screening.resident
    # Their own number, masked as on their page; a child reached through a guardian is told only that a call comes.
    own = person_phone(person)
    number = f"{own[:3]}****{own[-4:]}" if len(own) == 11 else own
    context = {"screening": screening, "number": number, "reachable": bool(contact_phone(person))}
    return render(request, "cases/self_check_help.html", context)
