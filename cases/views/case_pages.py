"""The case list, intake of a new case, and the case page with its action panels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases import forms, policies, selectors
from cases.http import posted
from cases.instruments import INSTRUMENTS
from cases.models import TRANSITIONS, CrisisPhase, Stage, Tier
from cases.safety.selectors import safety_plan_current
from cases.services import intake as intake_services
from cases.services import workflow as workflow_services
from cases.services.station_requests import station_request_file
from cases.views.common import audit_shown, case_worker_required
from centers.http import AuthedRequest
from centers.infra.errors import form_errors
from centers.models import Center, Resident, Role
from centers.own_numbers import preferred_center
from centers.policies import can_record_erasure, center_ids_for
from centers.privacy.consent import has_consent
from centers.privacy.models import ConsentPurpose
from centers.privacy.selectors import latest_erasure_request
from centers.records.selectors import resident_lookalikes
from centers.services import resident_create_by_staff


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    """Cases the user may work, filtered by scope, tier and stage."""
    case_worker_required(request)
    scope = request.GET.get("scope", "all")
    if scope not in {"mine", "unassigned", "all"}:
        scope = "all"
    tier_asked = request.GET.get("tier")
    tier = int(tier_asked) if tier_asked and tier_asked.isdigit() and int(tier_asked) in Tier.values else None
    stage = request.GET.get("stage") if request.GET.get("stage") in Stage.values else None
    query = request.GET.get("q", "")[:60]
    cases = list(selectors.case_list(user=request.user, tier=tier, stage=stage, scope=scope, query=query)[:200])
    # A search is recorded as one (the words searched for are personal data and are not kept, only that it was one).
    audit_shown(request, "case.search" if query.strip() else "case.list_view", cases=cases)
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
def case_new(request: AuthedRequest) -> HttpResponse:
    """Intake by staff: hotline, walk-in, station report or partner referral.

    Intake stays in the staff member's scope (issue 25, item 3): a person registered outside it is not found
    (the staff member learns nothing of them; the contact is passed to the station responsible, and a record of
    the caller's own is kept here), and a station outside it gets the contact passed on instead of a case."""
    case_worker_required(request)
    center = _acting_center(request)
    stations = center.stations.filter(is_active=True)
    form = forms.IntakeForm(posted(request), stations=stations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = policies.intake_station_ids(request.user, center.pk)
        if scope is not None and data["station"] is not None and data["station"].pk not in scope:
            return _pass_to_station(request, center, data)
        known = selectors.resident_by_phone(center=center, phone=data["phone"])
        elsewhere = known if known is not None and not policies.in_intake_scope(request.user, known) else None
        if elsewhere is not None:
            known = None  # as if nobody had the number: a record of the caller's own, the contact passed on
        typed = " ".join(data["full_name"].split())
        if known is None and not typed:
            form.add_error(
                "full_name", _("Nobody is registered with this number: give the name to register the person.")
            )
            return render(request, "cases/case_new.html", {"form": form}, status=400)
        differs = known is not None and bool(typed) and typed != " ".join(known.full_name.split())
        if differs and data["create_anyway"]:
            known = None  # someone else who gives the same number (a family's shared phone): a record of their own
        elif known is not None and differs:
            if not data["same_person"]:
                # A name typed by staff never disappears silently: the counselor decides, with the person.
                form.add_error("full_name", name_mismatch_message(known, typed))
                return render(request, "cases/case_new.html", {"form": form}, status=400)
            data["summary"] = intake_services.with_name_given(data["summary"], typed)
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
                    not_offered=_out_of_scope_lookalikes(request, center, data),
                )
                case, created = intake_services.case_intake(
                    resident=resident,
                    center=center,
                    channel=data["channel"],
                    source=data["source"],
                    actor=request.user,
                    station=data["station"],
                    summary=data["summary"],
                )
                if data["consent"]:
                    workflow_services.case_record_consent(case=case, actor=request.user)
                if elsewhere is not None:
                    station_request_file(
                        actor=request.user,
                        center=center,
                        station=elsewhere.station,
                        resident=elsewhere,
                        channel=data["channel"],
                        source=data["source"],
                        phone=data["phone"],
                        name_given=typed,
                        summary=data["summary"],
                        sender_case=case,
                    )
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


def _pass_to_station(request: AuthedRequest, center: Center, data: dict) -> HttpResponse:
    """A contact for a station outside the staff member's scope: passed to it, whoever the number belongs to
    (the record it leads to, if any, goes with it for the station's counselors, never back to the sender)."""
    known = selectors.resident_by_phone(center=center, phone=data["phone"])
    station_request_file(
        actor=request.user,
        center=center,
        station=data["station"],
        resident=known if known is not None and known.station_id == data["station"].pk else None,
        channel=data["channel"],
        source=data["source"],
        phone=data["phone"],
        name_given=data["full_name"],
        summary=data["summary"],
    )
    messages.success(
        request,
        _("Passed to %(station)s: its counselors take the contact up from there.") % {"station": data["station"]},
    )
    return redirect("cases:workspace")


def _out_of_scope_lookalikes(request: AuthedRequest, center: Center, data: dict) -> set[int]:
    """Records a new one would look like that the staff member may not see: never offered (nor named) to them."""
    lookalikes = resident_lookalikes(
        center_id=center.pk,
        full_name=data["full_name"],
        birth_date=data["birth_date"],
        station=data["station"],
        phone=data["phone"],
    )
    return {match.pk for match in lookalikes if not policies.in_intake_scope(request.user, match)}


def name_mismatch_message(known: Resident, typed: str) -> str:
    """The number is registered under another name: say so with the registered name masked (its first character),
    and the two ways on."""
    masked = known.full_name[:1] + "*" * max(1, len(known.full_name) - 1)
    return _(
        "This number is registered under another name (%(masked)s), not “%(typed)s”. Check with the person: tick "
        "“It is the same person” to add this contact to their record, or “Someone else: create a new record”."
    ) % {"masked": masked, "typed": typed}


def _acting_center(request: AuthedRequest) -> Center:
    """The center a counselor or supervisor acts for: the one chosen in the top bar, else their first."""
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


def case_context(request: AuthedRequest, case, *, notes: list | None = None, **forms_given) -> dict:
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
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The case page: state, deadlines, timeline and every action the user may take."""
    case, notes = selectors.case_page_for(user=request.user, pk=pk)
    return render(request, "cases/case_detail.html", case_context(request, case, notes=notes))


@login_required
@require_GET
def case_panel(request: AuthedRequest, pk: int, panel: str) -> HttpResponse:
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
