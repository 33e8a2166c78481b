"""Pages for working a case, the resident's self-check and "I need help now". Views stay thin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from centers.audit import audit_page_view
from centers.community_selectors import volunteer_training_state
from centers.confirm import confirmation_page, confirmed
from centers.consent import consent_text
from centers.errors import error_text, form_errors
from centers.models import ConsentObtained, ConsentPurpose, Resident, Role
from centers.policies import can_record_erasure, center_ids_for, has_consent, has_role, resident_of
from centers.privacy import latest_erasure_request
from centers.security import client_ip
from centers.services import resident_create_by_staff

from . import callback_services, consult_selectors, forms, policies, selectors, services, workspace_selectors
from .instruments import INSTRUMENTS, instrument_get
from .models import TRANSITIONS, CrisisPhase, FollowUpKind, Stage, Tier
from .safety_selectors import safety_plan_current

# How many of the most urgent cases the workspace queue shows; the case list has the rest, with filters.
WORKSPACE_QUEUE = 20

# --- helpers ------------------------------------------------------------------------------------------


def _posted(request: HttpRequest):
    """The submitted data of a POST, even an empty one (which is refused with the form's reasons,
    never shown again as if nothing had been sent)."""
    return request.POST if request.method == "POST" else None


def _audit_shown(request: HttpRequest, action: str, **shown) -> None:
    """One audit row for this page view, naming the ids of what it shows (cases, alerts, follow-ups...)."""
    centers = sorted(center_ids_for(request.user))
    audit_page_view(
        actor=request.user,
        action=action,
        shown={kind: [row.pk for row in rows] for kind, rows in shown.items()},
        center_id=centers[0] if len(centers) == 1 else None,
    )


def _case_worker_required(request: HttpRequest) -> None:
    if not policies.is_case_worker(request.user):
        raise Http404


# --- "I need help now" -------------------------------------------------------------------------------


def help_now(request: HttpRequest) -> HttpResponse:
    """Hotlines for everyone; a signed-in resident can also ask for an urgent callback (again, if need be)."""
    resident = resident_of(request.user)
    form = None
    if resident is not None:
        form = forms.HelpNowForm(request.POST or None, initial={"phone": resident.phone or request.user.phone})
        if request.method == "POST" and form.is_valid():
            try:
                services.help_now_request(actor=request.user, phone=form.cleaned_data["phone"], resident=resident)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
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
    form = forms.VisitorCallbackForm(_posted(request), centers=selectors.visitor_callback_centers())
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


# --- the resident's self-check -----------------------------------------------------------------------


def _subject(request: HttpRequest, resident_pk: int) -> Resident:
    for person in selectors.screening_subjects(user=request.user):
        if person.pk == resident_pk:
            return person
    raise Http404


@login_required
def self_check(request: HttpRequest) -> HttpResponse:
    """Choose a questionnaire, for oneself or a child in one's care."""
    subjects = selectors.screening_subjects(user=request.user)
    if not subjects:
        raise Http404
    rows = [(person, has_consent(person, ConsentPurpose.SCREENING)) for person in subjects]
    return render(request, "cases/self_check.html", {"rows": rows, "instruments": INSTRUMENTS.values()})


@login_required
def self_check_consent(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """The separate consent for the self-check (a guardian's for a child under 14)."""
    person = _subject(request, resident_pk)
    form = forms.ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_consent_give(resident=person, actor=request.user)
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
def self_check_take(request: HttpRequest, resident_pk: int, instrument: str) -> HttpResponse:
    """Answer a questionnaire; acute answers lead straight to the crisis page."""
    person = _subject(request, resident_pk)
    definition = instrument_get(instrument)
    if definition is None:
        raise Http404
    if not has_consent(person, ConsentPurpose.SCREENING):
        messages.info(request, _("Please give your consent to the self-check first."))
        return redirect("cases:self_check_consent", resident_pk=person.pk)
    form = forms.ScreeningForm(_posted(request), instrument=definition)
    if request.method == "POST":
        if form.is_valid():
            try:
                screening, _case = services.screening_submit(
                    resident=person, instrument=instrument, answers=form.cleaned_data, actor=request.user
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
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
def self_check_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Supportive guidance and the hotlines; never a tier label."""
    screening = selectors.screening_of_resident(user=request.user, pk=pk)
    return render(request, "cases/self_check_result.html", {"screening": screening})


@login_required
def self_check_help(request: HttpRequest, pk: int) -> HttpResponse:
    """The crisis page after acute answers: hotlines first, and the team has been alerted."""
    screening = selectors.screening_of_resident(user=request.user, pk=pk)
    return render(request, "cases/self_check_help.html", {"screening": screening})


# --- staff landing pages ---------------------------------------------------------------------------------


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The counselor's queue: open crisis alerts, then cases by tier and deadline, and follow-ups due.

    The queue shows the WORKSPACE_QUEUE most urgent cases (one more is read to know whether the list
    goes on); the case list has every one of them, with filters."""
    _case_worker_required(request)
    cases = list(selectors.case_list(user=request.user)[: WORKSPACE_QUEUE + 1])
    alerts = list(selectors.alerts_for_user(user=request.user))
    follow_ups = list(selectors.follow_ups_for_user(user=request.user)[:50])
    panels = workspace_selectors.workspace_panels_for(user=request.user)
    consult = consult_selectors.consult_panel_for(user=request.user)
    _audit_shown(
        request,
        "workspace.view",
        cases=[*cases[:WORKSPACE_QUEUE], *panels["new_intakes"]],
        alerts=alerts,
        follow_ups=[*follow_ups, *panels["overdue"]],
        appointments=panels["appointments_today"],
        referrals=panels["referrals"],
        conversations=[*consult["waiting"], *consult["mine"]],
    )
    return render(
        request,
        "cases/workspace.html",
        {
            "alerts": alerts,
            "cases": cases[:WORKSPACE_QUEUE],
            "more_cases": len(cases) > WORKSPACE_QUEUE,
            "queue_size": WORKSPACE_QUEUE,
            "follow_ups": follow_ups,
            "panels": panels,
            "consult": consult,
        },
    )


@login_required
def alerts_panel(request: HttpRequest) -> HttpResponse:
    """The open-alerts panel alone, polled by the workspace and console every 30 seconds (htmx)."""
    _case_worker_required(request)
    return render(request, "cases/partials/alerts.html", {"alerts": selectors.alerts_for_user(user=request.user)})


@never_cache
@login_required
def alerts_latest(request: HttpRequest) -> HttpResponse:
    """Polled every few seconds by an open workspace or console (alerts-live.js, as a background request): the
    newest open alert that reached the person; the page reloads its alerts panel when the answer changes."""
    _case_worker_required(request)  # first: to anyone else the address does not exist, whatever the method
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return JsonResponse(selectors.alerts_latest(user=request.user))


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """The supervisor's console: open alerts, decisions waiting, and the center's queue."""
    if not has_role(request.user, Role.SUPERVISOR):
        raise Http404
    shown = {
        "alerts": list(selectors.alerts_for_user(user=request.user)),
        "waiting": list(selectors.cases_awaiting_supervisor(user=request.user)),
        "no_consultation": list(selectors.cases_missing_expert_review(user=request.user)),
        "cases": list(selectors.case_list(user=request.user)[:50]),
    }
    panels = workspace_selectors.console_panels_for(user=request.user)
    consult = consult_selectors.consult_panel_for(user=request.user)
    _audit_shown(
        request,
        "console.view",
        **shown,
        new_intakes=panels["new_intakes"],
        consultations=panels["consultations"],
        conversations=[*consult["waiting"], *consult["mine"]],
    )
    return render(request, "cases/console.html", {**shown, "panels": panels, "consult": consult})


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    """The consultations asked of an expert."""
    if not has_role(request.user, Role.EXPERT):
        raise Http404
    consultations = list(selectors.consultations_for_expert(user=request.user))
    _audit_shown(request, "consultation.list_view", consultations=consultations)
    return render(request, "cases/consultations.html", {"consultations": consultations})


@login_required
def volunteer_tasks(request: HttpRequest) -> HttpResponse:
    """A volunteer's follow-up visits: whom to contact and when, nothing clinical."""
    if not has_role(request.user, Role.VOLUNTEER):
        raise Http404
    tasks = list(selectors.volunteer_tasks(user=request.user))
    _audit_shown(request, "followup.list_view", follow_ups=tasks)
    training = volunteer_training_state(user=request.user)
    return render(request, "cases/volunteer_tasks.html", {"tasks": tasks, "training": training})


# --- case list, intake and the case page ------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases the user may work, filtered by scope, tier and stage."""
    _case_worker_required(request)
    scope = request.GET.get("scope") if request.GET.get("scope") in {"mine", "unassigned", "all"} else "all"
    tier = request.GET.get("tier")
    tier = int(tier) if tier and tier.isdigit() and int(tier) in Tier.values else None
    stage = request.GET.get("stage") if request.GET.get("stage") in Stage.values else None
    query = request.GET.get("q", "")[:60]
    cases = list(selectors.case_list(user=request.user, tier=tier, stage=stage, scope=scope, query=query)[:200])
    # A search is recorded as one (the words searched for are personal data and are not kept, only that it was one).
    _audit_shown(request, "case.search" if query.strip() else "case.list_view", cases=cases)
    return render(
        request,
        "cases/case_list.html",
        {
            "cases": cases,
            "scope": scope,
            "tier": tier,
            "stage": stage,
            "query": query,
            "tiers": Tier.choices,
            "stages": Stage.choices,
        },
    )


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Intake by staff: hotline, walk-in, station report or partner referral."""
    _case_worker_required(request)
    center = _acting_center(request)
    stations = center.stations.filter(is_active=True)
    form = forms.IntakeForm(_posted(request), stations=stations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        known = selectors.resident_by_phone(center=center, phone=data["phone"])
        if known is None and not data["full_name"].strip():
            form.add_error(
                "full_name", _("Nobody is registered with this number: give the name to register the person.")
            )
            return render(request, "cases/case_new.html", {"form": form}, status=400)
        try:
            with transaction.atomic():
                resident = known or resident_create_by_staff(
                    actor=request.user,
                    center=center,
                    full_name=data["full_name"].strip(),
                    phone=data["phone"],
                    station=data["station"],
                    birth_date=data["birth_date"],
                    create_anyway=data["create_anyway"],
                )
                case, created = services.case_intake(
                    resident=resident,
                    center=center,
                    channel=data["channel"],
                    source=data["source"],
                    actor=request.user,
                    station=data["station"],
                    summary=data["summary"],
                )
                if data["consent"]:
                    services.case_record_consent(case=case, actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if created:
                messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            else:
                messages.info(
                    request,
                    _("This person already has an open case: the new contact was added to %(ref)s.")
                    % {"ref": case.reference},
                )
            return redirect(case)
    return render(request, "cases/case_new.html", {"form": form}, status=400 if form.errors else 200)


def _acting_center(request: HttpRequest):
    """The center a counselor or supervisor acts for: the one chosen in the top bar, else their first."""
    from centers.centers_own import preferred_center
    from centers.policies import center_ids_for

    center = preferred_center(request.user, center_ids_for(request.user, [Role.COUNSELOR, Role.SUPERVISOR]))
    if center is None:
        raise Http404
    return center


# The action panels of an open case, in page order: the panel's title and how its form is built. A
# panel's form is built only when the panel is shown open (after a refused submission, or asked for with
# ?panel=); otherwise the page fetches it when the counselor opens the panel (case_panel). Building and
# rendering all ten on every view of the case cost about as much as the rest of the page.
ACTION_PANELS = {
    "tier": (gettext_lazy("Tier by judgement"), lambda case: forms.TierForm(initial={"tier": case.tier})),
    "alert": (gettext_lazy("Raise a crisis alert"), lambda case: forms.ReasonForm()),
    "assign": (
        gettext_lazy("Assignment"),
        lambda case: forms.AssignForm(counselors=selectors.counselors_for_case(case=case)),
    ),
    "contact": (gettext_lazy("Record first contact"), lambda case: forms.ContactForm()),
    "group": (
        gettext_lazy("Service group"),
        lambda case: forms.GroupForm(
            initial={"group": case.service_group_id}, groups=selectors.groups_for_case(case=case)
        ),
    ),
    "tags": (gettext_lazy("Special populations"), lambda case: forms.TagsForm(initial={"tags": case.special_tags})),
    "referral": (
        gettext_lazy("Refer to a partner"),
        lambda case: forms.ReferralForm(partners=selectors.partners_for_case(case=case)),
    ),
    "consult": (
        gettext_lazy("Ask an expert"),
        lambda case: forms.ConsultationForm(experts=selectors.experts_for_case(case=case)),
    ),
    "reassess": (gettext_lazy("Re-assess"), lambda case: forms.ReassessmentForm()),
    "close": (gettext_lazy("Close the case"), lambda case: forms.CloseForm()),
}


def _panel_available(name: str, case) -> bool:
    return not (name == "contact" and case.first_contact_at)  # first contact is recorded once


def _action_panels(case, *, open_panel: str | None, forms_given: dict) -> list[dict]:
    panels = []
    for name, (title, build) in ACTION_PANELS.items():
        if not _panel_available(name, case):
            continue
        # A refused "I take this case" opens the assignment panel too, with its reason.
        wanted = name == open_panel or (name == "assign" and "take_form" in forms_given)
        form = forms_given.get(f"{name}_form") or (build(case) if wanted else None)
        panels.append({"name": name, "title": title, "form": form, "template": f"cases/panels/{name}.html"})
    return panels


def _case_context(request: HttpRequest, case, *, notes: list | None = None, **forms_given) -> dict:
    """Everything the case page shows. `notes`: already read (and logged) by selectors.case_page_for."""
    user = request.user
    can_work = policies.can_work_case(user, case)
    context = {
        "case": case,
        "can_work": can_work,
        "can_supervise": policies.can_supervise(user, case),
        "can_read_notes": policies.can_read_notes(user, case),
        "events": selectors.case_timeline(case=case),
        "alerts": selectors.case_alerts(case=case),
        "screenings": selectors.case_screenings(case=case),
        "consultations": selectors.case_consultations(user=user, case=case),
        "has_case_consent": has_consent(case.resident, ConsentPurpose.CASE_RECORD),
        "instruments": INSTRUMENTS.values(),
        "counselors": case.counselors.all(),
        "expert_review_overdue": selectors.expert_review_overdue(case=case),
        "erasure": latest_erasure_request(resident=case.resident),
        "can_record_erasure": can_work and can_record_erasure(user, case.resident),
    }
    if can_work:
        context.update(
            referrals=selectors.case_referrals(case=case),
            safety_plan=safety_plan_current(case=case),
            follow_ups=selectors.case_follow_ups(case=case),
            reassessments=selectors.case_reassessments(case=case),
            confirm_form=forms.ConfirmTierForm(),
            note_form=forms.NoteForm(),
        )
    if can_work and case.is_open:
        # The action column (only an open case has one): the workflow forms, and the panels.
        context.update(
            transitions=[(s, Stage(s).label) for s in sorted(TRANSITIONS[case.stage])],
            stage_form=forms.StageForm(),
            phase_form=forms.PhaseForm(initial={"phase": case.crisis_phase}),
            phases=CrisisPhase.choices,
            panels=_action_panels(case, open_panel=request.GET.get("panel"), forms_given=forms_given),
        )
    if can_work and case.is_open and case.pending_tier is not None:
        context.update(
            can_confirm_tier=policies.can_second_sign(user, case, first_person_id=case.pending_tier_by_id),
            tier_signers=selectors.second_signers(case=case, first_person_id=case.pending_tier_by_id),
        )
    if can_work and case.is_open and case.closure_requested_at is not None:
        context.update(
            can_sign_off=policies.can_second_sign(user, case, first_person_id=case.closure_requested_by_id),
            closure_signers=selectors.second_signers(case=case, first_person_id=case.closure_requested_by_id),
        )
    if context["can_read_notes"]:
        context["notes"] = notes if notes is not None else selectors.case_notes(user=user, case=case)
    context.update(forms_given)
    return context


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: state, deadlines, timeline and every action the user may take."""
    case, notes = selectors.case_page_for(user=request.user, pk=pk)
    return render(request, "cases/case_detail.html", _case_context(request, case, notes=notes))


@login_required
@require_GET
def case_panel(request: HttpRequest, pk: int, panel: str) -> HttpResponse:
    """One action panel's form, fetched by the case page when the counselor opens the panel. Asked for
    without htmx (a bookmarked link), it is the case page with that panel open."""
    if panel not in ACTION_PANELS:
        raise Http404
    case = selectors.case_open_for(user=request.user, pk=pk)
    if not (policies.can_work_case(request.user, case) and case.is_open and _panel_available(panel, case)):
        raise Http404
    if not getattr(request, "htmx", False):
        return redirect(f"{reverse('cases:case_detail', args=[pk])}?panel={panel}#panel-{panel}")
    return render(
        request,
        f"cases/panels/{panel}.html",
        {
            "case": case,
            "form": ACTION_PANELS[panel][1](case),
            "can_supervise": policies.can_supervise(request.user, case),
        },
    )


def _case_action(
    request: HttpRequest, pk: int, form_name: str, form, act, success: str, allowed=policies.can_work_case
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
    return render(request, "cases/case_detail.html", _case_context(request, case, **{form_name: form}), status=400)


@login_required
@require_POST
def case_tier(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the tier by counselor judgement, with a written reason."""
    return _case_action(
        request,
        pk,
        "tier_form",
        forms.TierForm(request.POST),
        lambda case, d: services.case_set_tier(case=case, tier=d["tier"], actor=request.user, reason=d["reason"]),
        _("The tier decision is recorded."),
    )


@login_required
@require_POST
def case_tier_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor confirms or refuses leaving high-risk."""
    return _case_action(
        request,
        pk,
        "confirm_form",
        forms.ConfirmTierForm(request.POST),
        lambda case, d: services.case_confirm_tier(
            case=case, actor=request.user, approve=d["approve"], reason=d["reason"]
        ),
        _("The tier decision is recorded."),
        allowed=policies.can_work_or_second_sign,
    )


@login_required
@require_POST
def case_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the case along the 疏评转介访 workflow."""
    return _case_action(
        request,
        pk,
        "stage_form",
        forms.StageForm(request.POST),
        lambda case, d: services.case_transition(
            case=case, to_stage=d["stage"], actor=request.user, reason=d["reason"]
        ),
        _("The case moved to the next stage."),
    )


@login_required
@require_POST
def case_phase(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the crisis phase (before / during / after)."""
    return _case_action(
        request,
        pk,
        "phase_form",
        forms.PhaseForm(request.POST),
        lambda case, d: services.case_set_phase(case=case, phase=d["phase"], actor=request.user),
        _("The crisis phase is updated."),
    )


@login_required
@require_POST
def case_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the special populations of a case."""
    return _case_action(
        request,
        pk,
        "tags_form",
        forms.TagsForm(request.POST),
        lambda case, d: services.case_set_tags(case=case, tags=d["tags"], actor=request.user),
        _("Special populations updated; the follow-up rhythm follows them."),
    )


@login_required
@require_POST
def case_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the first contact with the person."""
    return _case_action(
        request,
        pk,
        "contact_form",
        forms.ContactForm(request.POST),
        lambda case, d: services.case_record_contact(case=case, actor=request.user, reason=d["reason"]),
        _("First contact recorded."),
    )


@login_required
@require_POST
def case_group(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the case to a service group (or take it away)."""
    return _case_action(
        request,
        pk,
        "group_form",
        lambda case: forms.GroupForm(request.POST, groups=selectors.groups_for_case(case=case)),
        lambda case, d: services.case_set_group(case=case, group=d["group"], actor=request.user),
        _("Service group updated."),
    )


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the case to a counselor."""
    return _case_action(
        request,
        pk,
        "assign_form",
        lambda case: forms.AssignForm(request.POST, counselors=selectors.counselors_for_case(case=case)),
        lambda case, d: services.case_assign(case=case, counselor=d["counselor"], actor=request.user),
        _("The counselor is assigned."),
    )


@login_required
@require_POST
def case_take(request: HttpRequest, pk: int) -> HttpResponse:
    """A counselor takes the case themselves."""
    return _case_action(
        request,
        pk,
        "take_form",
        forms.EmptyForm(request.POST),
        lambda case, d: services.case_assign(case=case, counselor=request.user, actor=request.user),
        _("You now work on this case."),
    )


@login_required
@require_POST
def case_consent(request: HttpRequest, pk: int) -> HttpResponse:
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
        services.case_record_consent(case=case, actor=request.user, obtained_how=how)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, _("The consent is recorded."))
    return redirect(case)


@login_required
@require_POST
def case_alert(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a crisis alert by counselor judgement."""
    return _case_action(
        request,
        pk,
        "alert_form",
        forms.ReasonForm(request.POST),
        lambda case, d: services.alert_raise(case=case, actor=request.user, reason=d["reason"]),
        _("Crisis alert raised: the crisis team on duty is notified."),
    )


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an encrypted session note (the case's counselors and the supervisor only)."""
    return _case_action(
        request,
        pk,
        "note_form",
        forms.NoteForm(request.POST),
        lambda case, d: services.note_add(case=case, actor=request.user, body=d["body"]),
        _("Note saved."),
        allowed=policies.can_read_notes,
    )


@login_required
def case_screening(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    """A counselor enters a questionnaire during a session; the code scores it."""
    case = selectors.case_open_for(user=request.user, pk=pk, action="case.change")
    definition = instrument_get(instrument)
    if definition is None or not policies.can_work_case(request.user, case):
        raise Http404
    form = forms.ScreeningForm(_posted(request), instrument=definition)
    if request.method == "POST" and form.is_valid():
        try:
            screening, _case = services.screening_submit(
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
def case_referral(request: HttpRequest, pk: int) -> HttpResponse:
    """Refer to a partner institution (consent or a recorded emergency)."""
    return _case_action(
        request,
        pk,
        "referral_form",
        lambda case: forms.ReferralForm(request.POST, partners=selectors.partners_for_case(case=case)),
        lambda case, d: services.referral_create(
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
def case_consult(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask an expert of the pool for advice."""
    return _case_action(
        request,
        pk,
        "consult_form",
        lambda case: forms.ConsultationForm(request.POST, experts=selectors.experts_for_case(case=case)),
        lambda case, d: services.consultation_request(
            case=case, expert=d["expert"], question=d["question"], actor=request.user
        ),
        _("The expert is asked."),
    )


@login_required
@require_POST
def case_reassess(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a structured re-assessment."""
    return _case_action(
        request,
        pk,
        "reassess_form",
        forms.ReassessmentForm(request.POST),
        lambda case, d: services.reassessment_record(
            case=case,
            actor=request.user,
            judged_tier=d["judged_tier"],
            rationale=d["rationale"],
            functioning_improved=d["functioning_improved"],
            supports_in_place=d["supports_in_place"],
            screening=services.screening_for_reassessment(case),
        ),
        _("Re-assessment recorded."),
    )


@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the case (or ask the supervisor's sign-off for a high-risk one)."""
    return _case_action(
        request,
        pk,
        "close_form",
        forms.CloseForm(request.POST),
        lambda case, d: services.case_close(case=case, actor=request.user, summary=d["summary"]),
        _("Closure recorded."),
    )


@login_required
@require_POST
def case_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor signs off a closure."""
    return _case_action(
        request,
        pk,
        "signoff_form",
        forms.EmptyForm(request.POST),
        lambda case, d: services.case_sign_off(case=case, actor=request.user),
        _("Closure signed off; the case is closed."),
        allowed=policies.can_work_or_second_sign,
    )


# --- alerts -------------------------------------------------------------------------------------------------


@login_required
@require_POST
def alert_ack(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge a crisis alert: you take it."""
    alert = selectors.alert_for_user(user=request.user, pk=pk)
    services.alert_acknowledge(alert=alert, actor=request.user)
    messages.success(request, _("Alert acknowledged. Contact the person within the hour and record it."))
    return redirect(alert.case)


@login_required
@require_POST
def alert_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the first contact after a crisis alert."""
    alert = selectors.alert_for_user(user=request.user, pk=pk)
    services.alert_record_contact(alert=alert, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("First contact recorded."))
    return redirect(alert.case)


# --- referrals ------------------------------------------------------------------------------------------------


@login_required
def referral_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff record a partner's answer and feedback, or make a feedback link for the partner."""
    referral = selectors.referral_for_user(user=request.user, pk=pk)
    form = forms.ReferralUpdateForm(request.POST or None, initial={"status": referral.status})
    link_token = None
    if request.method == "POST" and "make_link" in request.POST:
        _link, token = services.referral_link_create(referral=referral, actor=request.user)
        link_token = request.build_absolute_uri(reverse("cases:partner_feedback", args=[token]))
        form = forms.ReferralUpdateForm(initial={"status": referral.status})
    elif request.method == "POST" and form.is_valid():
        try:
            services.referral_update(
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
    link = services.referral_link_find(token)
    if link is None:
        return render(request, "cases/partner_feedback_gone.html", status=404)
    form = forms.PartnerFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_link_submit(
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


# --- follow-ups ----------------------------------------------------------------------------------------------


@login_required
def followup_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a follow-up contact; a volunteer sees the contact details and the task, nothing clinical."""
    follow_up = selectors.follow_up_for_user(user=request.user, pk=pk)
    form = forms.FollowUpDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_complete(
                follow_up=follow_up,
                actor=request.user,
                reached=form.cleaned_data["reached"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            if policies.can_work_case(request.user, follow_up.case):
                return redirect(follow_up.case)
            return redirect("cases:volunteer_tasks")
    return render(
        request,
        "cases/followup_done.html",
        {
            "follow_up": follow_up,
            "form": form,
            "resident": follow_up.case.resident,
            "is_reassessment": follow_up.kind == FollowUpKind.REASSESSMENT,
        },
        status=400 if form.errors else 200,
    )


@login_required
def followup_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a follow-up to a counselor or a volunteer allowed to take it."""
    follow_up = selectors.follow_up_for_user(user=request.user, pk=pk)
    if not policies.can_work_case(request.user, follow_up.case):
        raise Http404
    people = selectors.followup_assignees(case=follow_up.case)
    form = forms.FollowUpAssignForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_assign(follow_up=follow_up, assignee=form.cleaned_data["assignee"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Follow-up assigned."))
            return redirect(follow_up.case)
    return render(
        request,
        "cases/followup_assign.html",
        {"follow_up": follow_up, "form": form},
        status=400 if form.errors else 200,
    )


# --- expert consultations ------------------------------------------------------------------------------------


@login_required
def consultation_advise(request: HttpRequest, pk: int) -> HttpResponse:
    """The expert reads the question and gives advice, which joins the case."""
    consultation = selectors.consultation_for_user(user=request.user, pk=pk)
    form = forms.AdviceForm(request.POST or None, initial={"advice": consultation.advice})
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_advise(
                consultation=consultation, advice=form.cleaned_data["advice"], actor=request.user
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your advice is on the case."))
            return redirect("cases:consultations")
    return render(
        request,
        "cases/consultation_advise.html",
        {"consultation": consultation, "form": form},
        status=400 if form.errors else 200,
    )
