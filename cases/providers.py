"""Answers to the extension points of centers/hooks.py, registered in CasesConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cases import selectors
from cases.consult.models import Conversation
from cases.erasure import record_holds
from cases.follow_ups.models import FollowUp
from cases.models import Case, Consultation, Tier
from cases.policies import in_visible_cases, is_case_worker
from cases.screenings.models import Screening
from cases.services import anonymise
from centers.models import Role


def _case_label(case: Case) -> str:
    return _("Case %(ref)s (%(tier)s)") % {"ref": case.reference, "tier": Tier(case.tier).label}


def _follow_up_label(follow_up: FollowUp) -> str:
    return _("Follow-up of case %(ref)s") % {"ref": follow_up.case.reference}


def _case_item(case: Case) -> dict:
    return {"kind": "case", "label": _case_label(case), "due_at": case.respond_by, "url": case.get_absolute_url()}


def _follow_up_item(follow_up: FollowUp) -> dict:
    return {
        "kind": "follow_up",
        "label": _follow_up_label(follow_up),
        "due_at": follow_up.due_at,
        "url": reverse("cases:follow_up_done", args=[follow_up.pk]),
    }


def group_open_work(*, group) -> list[dict]:
    """Open cases and follow-ups given to a service group (labels carry no names)."""
    cases = Case.objects.open().filter(service_group=group).order_by("pk")
    follow_ups = FollowUp.objects.open().filter(service_group=group).select_related("case").order_by("due_at")
    return [_case_item(c) for c in cases] + [_follow_up_item(f) for f in follow_ups]


def user_open_work(*, user) -> list[dict]:
    """A staff member's open cases, follow-ups and unanswered consultations."""
    cases = Case.objects.open().filter(counselors=user).order_by("pk")
    follow_ups = FollowUp.objects.open().filter(assigned_to=user).select_related("case").order_by("due_at")
    consultations = Consultation.objects.filter(expert=user, advised_at__isnull=True).select_related("case")
    items = [_case_item(c) for c in cases] + [_follow_up_item(f) for f in follow_ups]
    items += [
        {
            "kind": "consultation",
            "label": _("Consultation on case %(ref)s") % {"ref": c.case.reference},
            "due_at": None,
            "url": reverse("cases:consultation_advise", args=[c.pk]),
        }
        for c in consultations
    ]
    return items


def person_export(*, resident) -> dict:
    """What the person may download of their case records: facts and scores, not counselors' notes."""
    cases = Case.objects.filter(resident=resident).order_by("opened_at")
    screenings = Screening.objects.filter(resident=resident).order_by("taken_at")
    return {
        "cases": [
            {
                "reference": c.reference,
                "opened_at": c.opened_at.isoformat(),
                "channel": c.channel,
                "stage": c.stage,
                "closed_at": c.closed_at.isoformat() if c.closed_at else None,
                "referrals": [
                    {"partner": r.partner.name, "status": r.status, "sent_at": r.sent_at.isoformat()}
                    for r in c.referrals.select_related("partner")
                ],
                "follow_ups": [
                    {"due_at": f.due_at.isoformat(), "done_at": f.done_at.isoformat() if f.done_at else None}
                    for f in c.follow_ups.all()
                ],
                # The person's own plan (written with them), the version in force.
                "safety_plan": _safety_plan_export(c),
            }
            for c in cases
        ],
        "screenings": [
            {"instrument": s.instrument, "taken_at": s.taken_at.isoformat(), "score": s.score, "answers": s.answers}
            for s in screenings
        ],
    }


def _safety_plan_export(case) -> dict | None:
    plan = case.safety_plans.order_by("-version").first()
    if plan is None:
        return None
    return {
        "version": plan.version,
        "saved_at": plan.created_at.isoformat(),
        **{step["name"]: step["text"] for step in plan.steps},
    }


def record_objects(*, resident) -> dict[str, list[int]]:
    """The audit log's object ids of the person's clinical record: cases (their notes, referrals and follow-ups
    are logged on the case), screenings and online conversations. For "who viewed my record"."""
    return {
        "cases.case": list(Case.objects.filter(resident=resident).values_list("pk", flat=True)),
        "cases.screening": list(Screening.objects.filter(resident=resident).values_list("pk", flat=True)),
        "cases.conversation": list(Conversation.objects.filter(resident=resident).values_list("pk", flat=True)),
    }


def person_links(*, resident, user) -> list[dict]:
    """The person's cases that the user may open, the open one first: where a counselor goes from a session."""
    if not is_case_worker(user):
        return []
    cases = Case.objects.filter(in_visible_cases(user), resident=resident).order_by("closed_at", "-opened_at")[:3]
    return [
        {"label": _case_label(case), "url": case.get_absolute_url(), "open": case.closed_at is None} for case in cases
    ]


def station_figures(*, station, start, end) -> dict:
    """The station's figures for the officials' statistics (cases.selectors.station_figures)."""
    return selectors.station_figures(station=station, start=start, end=end)


def person_anonymise(*, resident, actor) -> None:
    """Erasure of the person's case records (cases.services.anonymise)."""
    anonymise.person_anonymise(resident=resident, actor=actor)


def person_record_hold(*, resident) -> list[dict]:
    """The person's cases that erasure must keep (cases.erasure.record_holds)."""
    return record_holds(resident=resident)


__all__ = [
    "group_open_work",
    "user_open_work",
    "station_figures",
    "person_export",
    "person_anonymise",
    "person_record_hold",
    "record_objects",
    "person_links",
]


def role_landing() -> dict[str, str]:
    """The pages the case roles land on after sign-in (centers.policies.landing_url_for)."""
    return {
        Role.SUPERVISOR: "cases:console",
        Role.COUNSELOR: "cases:workspace",
        Role.EXPERT: "cases:consultations",
        Role.VOLUNTEER: "cases:volunteer_tasks",
    }
