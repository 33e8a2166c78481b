"""Pages of the online conversations: the resident's side and the counselor's. Views stay thin.

New lines appear without reloading: the message list polls its own URL every few seconds (htmx,
vendored) and gets 204 when nothing is new.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.consult import forms, policies, selectors, services
from cases.consult.models import MESSAGE_MAX_LENGTH
from cases.consult.providers import transcript
from cases.http import posted
from cases.models import Tier
from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import form_errors
from centers.privacy.consent import consent_text, has_consent
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give

POLL_SECONDS = 3


def _after(request: AuthedRequest) -> int:
    try:
        return max(0, int(request.GET.get("after", "0")))
    except ValueError:
        return 0


# --- the resident's side ------------------------------------------------------------------------------


def _home_context(request: AuthedRequest, subjects, form) -> dict:
    me = subjects[0]
    return {
        "form": form,
        "subjects": subjects,
        "conversations": selectors.conversations_for_resident(user=request.user),
        "on_duty": selectors.on_duty_names(center=me.center),
        "wait_minutes": me.center.conversation_wait_minutes,
        "needs_consent": [p for p in subjects if not has_consent(p, ConsentPurpose.ONLINE_COUNSELING)],
        "max_length": MESSAGE_MAX_LENGTH,
    }


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Residents: who is on duty, how soon they answer, the hotlines, my conversations, and a new one."""
    subjects = selectors.conversation_subjects(user=request.user)
    if not subjects:
        raise Http404
    form = forms.StartForm(posted(request), subjects=subjects)
    if request.method == "POST":
        if form.is_valid():
            person = next(p for p in subjects if p.pk == form.cleaned_data["person"])
            if not has_consent(person, ConsentPurpose.ONLINE_COUNSELING):
                # The consent page carries the message, so nothing the person wrote is lost on the way.
                messages.info(request, _("Please give your consent to online counseling first."))
                return _consent_page(request, person, forms.ConsentForm(), carried_text=form.cleaned_data["text"])
            try:
                conversation = services.conversation_start(
                    actor=request.user, resident=person, text=form.cleaned_data["text"]
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                return redirect(conversation)
        return render(request, "cases/consult/home.html", _home_context(request, subjects, form), status=400)
    return render(request, "cases/consult/home.html", _home_context(request, subjects, form))


@login_required
def consent(request: AuthedRequest, resident_pk: int) -> HttpResponse:
    """The separate consent for online counseling (a guardian's for a child under 14); a message written before
    it is carried through and sent once the consent is given."""
    person = next((p for p in selectors.conversation_subjects(user=request.user) if p.pk == resident_pk), None)
    if person is None:
        raise Http404
    form = forms.ConsentForm(posted(request))
    carried_text = request.POST.get("text", "").strip() if request.method == "POST" else ""
    if request.method != "POST":
        return _consent_page(request, person, form)
    if form.is_valid():
        try:
            consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Thank you. Your consent is recorded; you can withdraw it at any time."))
            if not carried_text:
                return redirect("consult:home")
            subjects = selectors.conversation_subjects(user=request.user)
            start = forms.StartForm({"person": person.pk, "text": carried_text}, subjects=subjects)
            if start.is_valid():
                try:
                    conversation = services.conversation_start(
                        actor=request.user, resident=person, text=start.cleaned_data["text"]
                    )
                except ValidationError as exc:
                    form_errors(start, exc)
                else:
                    return redirect(conversation)
            # The message could not be sent: the start page shows it again, with the reason.
            return render(request, "cases/consult/home.html", _home_context(request, subjects, start), status=400)
    return _consent_page(request, person, form, carried_text=carried_text, status=400)


def _consent_page(request: AuthedRequest, person, form, *, carried_text: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "cases/consult/consent.html",
        {
            "form": form,
            "person": person,
            "text": consent_text(ConsentPurpose.ONLINE_COUNSELING),
            "carried_text": carried_text,
        },
        status=status,
    )


def _resident_page(request: AuthedRequest, conversation, form, status: int = 200) -> HttpResponse:
    lines = services.conversation_read(conversation=conversation, actor=request.user)
    return render(
        request,
        "cases/consult/conversation.html",
        {
            "conversation": conversation,
            "lines": lines,
            "last_id": lines[-1].pk if lines else 0,
            "form": form,
            "poll_url": reverse("consult:lines", args=[conversation.pk]),
            "poll_seconds": POLL_SECONDS,
            "staff_view": False,
            "wait_minutes": conversation.center.conversation_wait_minutes,
        },
        status=status,
    )


@login_required
def conversation(request: AuthedRequest, pk: int) -> HttpResponse:
    """Residents: one conversation; write a new line (text only)."""
    found = selectors.conversation_for_resident(user=request.user, pk=pk)
    form = forms.MessageForm(posted(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_send(conversation=found, actor=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                return redirect(found)
        found.refresh_from_db()
        return _resident_page(request, found, form, status=400)
    return _resident_page(request, found, form)


def _lines_response(request: AuthedRequest, conversation, *, staff_view: bool, poll_url: str) -> HttpResponse:
    after = _after(request)
    lines = services.conversation_read(conversation=conversation, actor=request.user, after=after)
    last_id = lines[-1].pk if lines else 0
    if after and last_id <= after:
        return HttpResponse(status=204)  # nothing new: htmx leaves the list as it is
    return render(
        request,
        "cases/consult/partials/lines.html",
        {
            "conversation": conversation,
            "lines": lines,
            "last_id": last_id,
            "poll_url": poll_url,
            "poll_seconds": POLL_SECONDS,
            "staff_view": staff_view,
            "wait_minutes": conversation.center.conversation_wait_minutes,
        },
    )


@login_required
@require_GET
def lines(request: AuthedRequest, pk: int) -> HttpResponse:
    """Residents: the lines of a conversation, polled by its page (204 when nothing is new)."""
    found = selectors.conversation_for_resident(user=request.user, pk=pk)
    return _lines_response(request, found, staff_view=False, poll_url=request.path)


@login_required
@require_GET
def download(request: AuthedRequest, pk: int) -> HttpResponse:
    """Residents: one conversation as a text file."""
    found = selectors.conversation_for_resident(user=request.user, pk=pk)
    rows = [f"{found.reference} · {found.center.name}", ""]
    for at, who, text in transcript(found):
        rows += [f"[{timezone.localtime(at):%Y-%m-%d %H:%M}] {who}", text, ""]
    response = HttpResponse("\n".join(rows), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fucheng-conversation-{found.reference}.txt"'
    return response


@login_required
@require_POST
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    """Residents: end the conversation."""
    found = selectors.conversation_for_resident(user=request.user, pk=pk)
    if not confirmed(request):
        return confirmation_page(
            request,
            title=_("End this conversation?"),
            consequences=[
                _("The counselor can no longer write to you in this conversation, and you cannot write in it."),
                _("You can start a new conversation at any time; in danger, call the hotlines at the top."),
            ],
            confirm_label=_("Yes, end the conversation"),
            back_url=found.get_absolute_url(),
        )
    services.conversation_close(conversation=found, actor=request.user)
    messages.success(request, _("The conversation is closed. You can start a new one at any time."))
    return redirect(found)


# --- the counselor's side ------------------------------------------------------------------------------


def _worker_required(request: AuthedRequest) -> None:
    if not policies.is_conversation_worker(request.user):
        raise Http404


@login_required
@require_GET
def panel(request: AuthedRequest) -> HttpResponse:
    """Counselors and supervisors: the workspace panel alone, polled every few seconds."""
    _worker_required(request)
    return render(request, "cases/consult/partials/panel.html", selectors.consult_panel_for(user=request.user))


def _staff_page(request: AuthedRequest, conversation, status: int = 200, **forms_given) -> HttpResponse:
    user = request.user
    lines = services.conversation_read(conversation=conversation, actor=user, audit=False)
    can_manage = policies.can_manage(user, conversation)
    context = {
        "conversation": conversation,
        "lines": lines,
        "last_id": lines[-1].pk if lines else 0,
        "poll_url": reverse("consult:staff_lines", args=[conversation.pk]),
        "poll_seconds": POLL_SECONDS,
        "staff_view": True,
        "can_take": policies.can_take(user, conversation),
        "can_answer": policies.can_answer(user, conversation),
        "can_manage": can_manage and conversation.is_active,
        "handovers": selectors.handovers(conversation=conversation),
        "waited_minutes": int((timezone.now() - conversation.waiting_since).total_seconds() // 60),
        "reply_form": forms.ReplyForm(),
        "handover_form": forms.HandoverForm(initial={"note": conversation.handover_note}),
        "case_form": forms.OpenCaseForm(
            initial={"tier": Tier.HIGH_RISK if conversation.risk_flagged else Tier.SERIOUS}
        ),
        "block_form": forms.BlockForm(),
    }
    context.update(forms_given)
    return render(request, "cases/consult/staff_conversation.html", context, status=status)


@login_required
@require_GET
def staff_conversation(request: AuthedRequest, pk: int) -> HttpResponse:
    """Counselors: one conversation, to take, answer, hand over, link to a case, close (audited read)."""
    _worker_required(request)
    found = selectors.conversation_for_staff(user=request.user, pk=pk)
    return _staff_page(request, found)


@login_required
@require_GET
def staff_lines(request: AuthedRequest, pk: int) -> HttpResponse:
    """Counselors: the lines, polled by the conversation page (a read with new lines is audited)."""
    _worker_required(request)
    found = selectors.conversation_for_staff(user=request.user, pk=pk, action="conversation.poll")
    return _lines_response(request, found, staff_view=True, poll_url=request.path)


def _staff_action(request: AuthedRequest, pk: int, form, act, success: str, form_name: str = "") -> HttpResponse:
    """Bind, call one service, message, redirect; a refused form re-renders the page with the reasons."""
    _worker_required(request)
    found = selectors.conversation_for_staff(user=request.user, pk=pk, action="conversation.change")
    if form is None or form.is_valid():
        try:
            act(found, form.cleaned_data if form is not None else {})
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect("consult:staff_conversation", pk=found.pk)
            form_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("consult:staff_conversation", pk=found.pk)
    found.refresh_from_db()
    messages.error(request, _("Nothing was changed: please correct the form below."))
    return _staff_page(request, found, status=400, **{form_name: form})


@login_required
@require_POST
def take(request: AuthedRequest, pk: int) -> HttpResponse:
    """Counselors on duty and supervisors: take a waiting conversation (the first one wins)."""
    _worker_required(request)
    found = selectors.conversation_for_staff(user=request.user, pk=pk, action="conversation.change", for_taking=True)
    try:
        services.conversation_take(conversation=found, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if not policies.can_view_staff(request.user, found):
            return redirect("cases:workspace")  # a colleague was quicker: back to the queue
        return redirect("consult:staff_conversation", pk=found.pk)
    messages.success(request, _("You have the conversation. The person sees that you joined."))
    return redirect("consult:staff_conversation", pk=found.pk)


@login_required
@require_POST
def reply(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor who has the conversation: answer."""
    return _staff_action(
        request,
        pk,
        forms.ReplyForm(request.POST),
        lambda c, d: services.message_send(conversation=c, actor=request.user, text=d["text"]),
        _("Sent."),
        "reply_form",
    )


@login_required
@require_POST
def handover(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor who has it (or the supervisor): leave a hand-over note, or hand over now."""

    def act(c, d):
        if d["now"]:
            services.conversation_hand_over(conversation=c, actor=request.user, note=d["note"])
        else:
            services.conversation_handover_note(conversation=c, actor=request.user, note=d["note"])

    return _staff_action(
        request,
        pk,
        forms.HandoverForm(request.POST),
        act,
        _("Hand-over saved."),
        "handover_form",
    )


@login_required
@require_POST
def open_case(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor who has it (or the supervisor): open or join the person's case in one step."""
    _worker_required(request)
    found = selectors.conversation_for_staff(user=request.user, pk=pk, action="conversation.change")
    form = forms.OpenCaseForm(request.POST)
    if form.is_valid():
        try:
            case = services.conversation_open_case(
                conversation=found,
                actor=request.user,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The conversation is linked to case %(ref)s.") % {"ref": case.reference})
            return redirect(case)
    messages.error(request, _("Nothing was changed: please correct the form below."))
    return _staff_page(request, found, status=400, case_form=form)


@login_required
@require_POST
def staff_close(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor who has it (or the supervisor): close the conversation (nothing is deleted)."""
    if not confirmed(request):
        _worker_required(request)
        found = selectors.conversation_for_staff(user=request.user, pk=pk, action="conversation.change")
        return confirmation_page(
            request,
            title=_("End this conversation?"),
            consequences=[
                _("Conversation %(ref)s ends: neither side can write in it any more.") % {"ref": found.reference},
                _("Nothing is deleted; the person can start a new conversation at any time."),
            ],
            confirm_label=_("Yes, end the conversation"),
            back_url=reverse("consult:staff_conversation", args=[found.pk]),
        )
    return _staff_action(
        request,
        pk,
        None,
        lambda c, _d: services.conversation_close(conversation=c, actor=request.user),
        _("The conversation is closed."),
    )


@login_required
@require_POST
def block(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor who has it (or the supervisor): block an abusive conversation, with a reason."""
    return _staff_action(
        request,
        pk,
        forms.BlockForm(request.POST),
        lambda c, d: services.conversation_block(conversation=c, actor=request.user, reason=d["reason"]),
        _("The conversation is blocked. The person is shown the hotlines."),
        "block_form",
    )
