"""Reads of safety plans and emergency contacts, scoped to the user and audited like the case's other reads."""

from __future__ import annotations

from django.http import Http404

from cases import policies
from cases.models import Case, Stage
from cases.policies import AnyUser
from cases.safety.models import EmergencyContact, SafetyPlanVersion
from cases.selectors import case_open_for
from centers.audit.log import audit_record
from centers.models import User
from centers.policies import resident_of


def case_for_safety_work(*, user: User, pk: int, action: str = "case.safety_plan_read") -> Case:
    """A case whose safety plan and emergency contacts the user may read and change (those who work the case),
    or 404. The read is audited."""
    case = case_open_for(user=user, pk=pk, action=action)
    if not policies.can_work_case(user, case):
        raise Http404
    return case


def safety_plan_current(*, case: Case) -> SafetyPlanVersion | None:
    return case.safety_plans.select_related("written_by").order_by("-version").first()


def safety_plan_history(*, case: Case) -> list[SafetyPlanVersion]:
    """Every version, newest first (for staff who work the case: the caller checked with case_for_safety_work)."""
    return list(case.safety_plans.select_related("written_by").order_by("-version"))


def emergency_contacts(*, case: Case) -> list[EmergencyContact]:
    return list(case.emergency_contacts.select_related("added_by").prefetch_related("uses__by"))


def emergency_contact_for_user(*, user: User, pk: int) -> EmergencyContact:
    """One emergency contact of a case the user works, or 404; the read is audited."""
    contact = EmergencyContact.objects.select_related("case").filter(pk=pk).first()
    if contact is None:
        raise Http404
    case_for_safety_work(user=user, pk=contact.case_id, action="case.emergency_contact_read")
    return contact


def resident_safety_plans(*, user: AnyUser) -> list[SafetyPlanVersion]:
    """The plans in force on the signed-in resident's own open cases (one per case), each read audited."""
    me = resident_of(user)
    if me is None:
        return []
    plans = []
    for case in Case.objects.filter(resident=me).exclude(stage=Stage.CLOSED).order_by("opened_at"):
        plan = safety_plan_current(case=case)
        if plan is not None:
            plans.append(plan)
            audit_record(
                actor=user,
                action="case.safety_plan_read_by_person",
                obj=case,
                object_type="cases.case",
                detail={"version": plan.version},
            )
    return plans
