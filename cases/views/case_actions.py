"""Actions on an open case: one view per action, each binding a form and calling one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import casework, forms, policies, selectors
from cases.http import posted
from cases.instruments import instrument_get
from cases.services import alerts as alert_services
from cases.services import closure as closure_services
from cases.services import consultations as consultation_services
from cases.services import notes as note_services
from cases.services import referrals as referral_services
from cases.services import screenings as screening_services
from cases.services import tiers as tier_services
from cases.services import workflow as workflow_services
from cases.views.case_pages import case_context
from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import error_text, form_errors
from centers.privacy.consent import consent_text
from centers.privacy.models import ConsentObtained, ConsentPurpose


def _case_action(
    request: AuthedRequest, pk: int, form_name: str, form, act, success: str, allowed=policies.can_work_case
) -> HttpResponse:
    """Bind, call one service, message, redirect; a refused input re-renders the case page with the reason.

    `form` is a bound form, or a function of the case that returns one (for choices that depend on it).
    """
    case = selectors.case_open_for(user=request.user, pk=pk, action="case.change")
    if not allowed(request.user, case):
        raise Http404
    if callable(form):
        form = form(case)
    if form.is_valid():
        try:
            act(case, form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, success)
            return redirect(case)
    case.refresh_from_db()
    messages.error(request, _("Nothing was changed: please correct the form below."))
    return render(request, "cases/case_detail.html", case_context(request, case, **{form_name: form}), status=400)


@login_required
@require_POST
def case_tier(request: AuthedRequest, pk: int) -> HttpResponse:
    """Set the tier by counselor judgement, with a written reason."""
    return _case_action(
        request,
        pk,
        "tier_form",
        forms.TierForm(request.POST),
        lambda case, d: tier_services.case_set_tier(case=case, tier=d["tier"], actor=request.user, reason=d["reason"]),
        _("The tier decision is recorded."),
    )


@login_required
@require_POST
def case_tier_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    """A supervisor confirms or refuses leaving high-risk."""
    return _case_action(
        request,
        pk,
        "confirm_form",
        forms.ConfirmTierForm(request.POST),
        lambda case, d: tier_services.case_confirm_tier(
            case=case, actor=request.user, approve=d["approve"], reason=d["reason"]
        ),
        _("The tier decision is recorded."),
        allowed=policies.can_work_or_second_sign,
    )


@login_required
@require_POST
def case_stage(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move the case along the 疏评转介访 workflow."""
    return _case_action(
        request,
        pk,
        "stage_form",
        forms.StageForm(request.POST),
        lambda case, d: workflow_services.case_transition(
            case=case, to_stage=d["stage"], actor=request.user, reason=d["reason"]
        ),
        _("The case moved to the next stage."),
    )


@login_required
@require_POST
def case_phase(request: AuthedRequest, pk: int) -> HttpResponse:
    """Set the crisis phase (before / during / after)."""
    return _case_action(
        request,
        pk,
        "phase_form",
        forms.PhaseForm(request.POST),
        lambda case, d: workflow_services.case_set_phase(case=case, phase=d["phase"], actor=request.user),
        _("The crisis phase is updated."),
    )


@login_required
@require_POST
def case_tags(request: AuthedRequest, pk: int) -> HttpResponse:
    """Set the special populations of a case."""
    return _case_action(
        request,
        pk,
        "tags_form",
        forms.TagsForm(request.POST),
        lambda case, d: workflow_services.case_set_tags(case=case, tags=d["tags"], actor=request.user),
        _("Special populations updated; the follow-up rhythm follows them."),
    )


@login_required
@require_POST
def case_contact(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the first contact with the person."""
    return _case_action(
        request,
        pk,
        "contact_form",
        forms.ContactForm(request.POST),
        lambda case, d: alert_services.case_record_contact(case=case, actor=request.user, reason=d["reason"]),
        _("First contact recorded."),
    )


@login_required
@require_POST
def case_group(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give the case to a service group (or take it away)."""
    return _case_action(
        request,
        pk,
        "group_form",
        lambda case: forms.GroupForm(request.POST, groups=selectors.groups_for_case(case=case)),
        lambda case, d: workflow_services.case_set_group(case=case, group=d["group"], actor=request.user),
        _("Service group updated."),
    )


@login_required
@require_POST
def case_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give the case to a counselor."""
    return _case_action(
        request,
        pk,
        "assign_form",
        lambda case: forms.AssignForm(request.POST, counselors=selectors.counselors_for_case(case=case)),
        lambda case, d: workflow_services.case_assign(case=case, counselor=d["counselor"], actor=request.user),
        _("The counselor is assigned."),
    )


@login_required
@require_POST
def case_take(request: AuthedRequest, pk: int) -> HttpResponse:
    """A counselor takes the case themselves."""
    return _case_action(
        request,
        pk,
        "take_form",
        forms.EmptyForm(request.POST),
        lambda case, d: workflow_services.case_assign(case=case, counselor=request.user, actor=request.user),
        _("You now work on this case."),
    )


@login_required
@require_POST
def case_consent(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the person's consent to a case record, after a confirmation that says how it was obtained."""
    case = selectors.case_open_for(user=request.user, pk=pk, action="case.change")
    if not policies.can_work_case(request.user, case):
        raise Http404
    staff_ways = [(value, label) for value, label in ConsentObtained.choices if value != ConsentObtained.ONLINE]
    how = request.POST.get("obtained_how", "")
    if not confirmed(request) or how not in dict(staff_ways):
        return confirmation_page(
            request,
            title=_("Record the consent to keep a case record?"),
            consequences=[
                str(ConsentPurpose.CASE_RECORD.label) + ": " + str(consent_text(ConsentPurpose.CASE_RECORD)),
                _(
                    "It is recorded for %(name)s (for anyone under 14, as the guardian's consent), with today's date, "
                    "this version of the text and how it was obtained."
                )
                % {"name": case.resident.full_name},
            ],
            confirm_label=_("Yes, record the consent"),
            back_url=case.get_absolute_url(),
            choice={"name": "obtained_how", "label": _("How was the consent obtained?"), "options": staff_ways},
            error=_("Say how the consent was obtained.") if confirmed(request) else "",
            status=400 if confirmed(request) else 200,
        )
    try:
        workflow_services.case_record_consent(case=case, actor=request.user, obtained_how=how)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, _("The consent is recorded."))
    return redirect(case)


@login_required
@require_POST
def case_alert(request: AuthedRequest, pk: int) -> HttpResponse:
    """Raise a crisis alert by counselor judgement."""
    return _case_action(
        request,
        pk,
        "alert_form",
        forms.ReasonForm(request.POST),
        lambda case, d: tier_services.alert_raise(case=case, actor=request.user, reason=d["reason"]),
        _("Crisis alert raised: the crisis team on duty is notified."),
    )


@login_required
@require_POST
def case_note(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add an encrypted session note (the case's counselors and the supervisor only)."""
    return _case_action(
        request,
        pk,
        "note_form",
        forms.NoteForm(request.POST),
        lambda case, d: note_services.note_add(case=case, actor=request.user, body=d["body"]),
        _("Note saved."),
        allowed=policies.can_read_notes,
    )


@login_required
def case_screening(request: AuthedRequest, pk: int, instrument: str) -> HttpResponse:
    """A counselor enters a questionnaire during a session; the code scores it."""
    case = selectors.case_open_for(user=request.user, pk=pk, action="case.change")
    definition = instrument_get(instrument)
    if definition is None or not policies.can_work_case(request.user, case):
        raise Http404
    form = forms.ScreeningForm(posted(request), instrument=definition)
    if request.method == "POST" and form.is_valid():
        try:
            screening, _case = screening_services.screening_submit(
                resident=case.resident, instrument=instrument, answers=form.cleaned_data, actor=request.user, case=case
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s scored %(score)s: %(band)s.")
                % {"name": definition.name, "score": screening.score, "band": screening.band_label},
            )
            return redirect(case)
    return render(
        request,
        "cases/case_screening.html",
        {"case": case, "form": form, "definition": definition},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def case_referral(request: AuthedRequest, pk: int) -> HttpResponse:
    """Refer to a partner institution (consent or a recorded emergency)."""
    return _case_action(
        request,
        pk,
        "referral_form",
        lambda case: forms.ReferralForm(request.POST, partners=selectors.partners_for_case(case=case)),
        lambda case, d: referral_services.referral_create(
            case=case,
            partner=d["partner"],
            basis=d["basis"],
            reason=d["reason"],
            emergency_reason=d["emergency_reason"],
            actor=request.user,
        ),
        _("Referral sent and logged as a disclosure."),
    )


@login_required
@require_POST
def case_consult(request: AuthedRequest, pk: int) -> HttpResponse:
    """Ask an expert of the pool for advice."""
    return _case_action(
        request,
        pk,
        "consult_form",
        lambda case: forms.ConsultationForm(request.POST, experts=selectors.experts_for_case(case=case)),
        lambda case, d: consultation_services.consultation_request(
            case=case, expert=d["expert"], question=d["question"], actor=request.user
        ),
        _("The expert is asked."),
    )


@login_required
@require_POST
def case_reassess(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a structured re-assessment."""
    return _case_action(
        request,
        pk,
        "reassess_form",
        forms.ReassessmentForm(request.POST),
        lambda case, d: closure_services.reassessment_record(
            case=case,
            actor=request.user,
            judged_tier=d["judged_tier"],
            rationale=d["rationale"],
            functioning_improved=d["functioning_improved"],
            supports_in_place=d["supports_in_place"],
            screening=casework.screening_for_reassessment(case=case),
        ),
        _("Re-assessment recorded."),
    )


@login_required
@require_POST
def case_close(request: AuthedRequest, pk: int) -> HttpResponse:
    """Close the case (or ask the supervisor's sign-off for a high-risk one)."""
    return _case_action(
        request,
        pk,
        "close_form",
        forms.CloseForm(request.POST),
        lambda case, d: closure_services.case_close(case=case, actor=request.user, summary=d["summary"]),
        _("Closure recorded."),
    )


@login_required
@require_POST
def case_sign_off(request: AuthedRequest, pk: int) -> HttpResponse:
    """The supervisor signs off a closure."""
    return _case_action(
        request,
        pk,
        "signoff_form",
        forms.EmptyForm(request.POST),
        lambda case, d: closure_services.case_sign_off(case=case, actor=request.user),
        _("Closure signed off; the case is closed."),
        allowed=policies.can_work_or_second_sign,
    )
