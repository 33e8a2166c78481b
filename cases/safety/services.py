"""Writes of the safety plan and the emergency contacts of a case (keyword-only, atomic, audited)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policies
from cases.models import Case, EventKind
from cases.safety.models import (
    SAFETY_PLAN_STEPS,
    STEP_MAX_LENGTH,
    ContactBasis,
    EmergencyContact,
    EmergencyContactUse,
    SafetyPlanVersion,
)
from cases.services.common import case_audit, case_lock, event_add, permission_require
from centers.models import User


@transaction.atomic
def safety_plan_save(*, case: Case, actor: User, steps: dict[str, str], written_with_person: bool) -> SafetyPlanVersion:
    """The case's counselor saves the safety plan written with the person: every save is a new version."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its safety plan can no longer change."))
    values = {name: (steps.get(name) or "").strip() for name, _title, _hint in SAFETY_PLAN_STEPS}
    errors = {}
    if not any(values.values()):
        errors["__all__"] = _("Write at least one step of the plan.")
    for name, text in values.items():
        if len(text) > STEP_MAX_LENGTH:
            errors[name] = _("Keep each step under %(n)d characters.") % {"n": STEP_MAX_LENGTH}
    if not written_with_person:
        errors["written_with_person"] = _(
            "A safety plan is written together with the person: tick the box once you have gone through it with them."
        )
    if errors:
        raise ValidationError(errors)
    last = case.safety_plans.order_by("-version").values_list("version", flat=True).first() or 0
    plan = SafetyPlanVersion(case=case, version=last + 1, written_by=actor, **values)
    plan.full_clean()
    plan.save()
    event_add(case, actor, EventKind.SAFETY_PLAN, to_value=plan.version)
    case_audit(actor, "case.safety_plan_save", case, version=plan.version)
    return plan


@transaction.atomic
def emergency_contact_add(
    *, case: Case, actor: User, name: str, relation: str, phone: str, basis: str
) -> EmergencyContact:
    """Record someone to call about the person in a crisis, with the basis on which they may be called."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    contact = EmergencyContact(
        case=case,
        name=(name or "").strip(),
        relation=(relation or "").strip(),
        phone=(phone or "").strip(),
        basis=basis,
        added_by=actor,
    )
    contact.full_clean()
    contact.save()
    event_add(case, actor, EventKind.EMERGENCY_CONTACT, reason=f"{contact.relation} · {contact.basis_label}")
    case_audit(actor, "case.emergency_contact_add", case, contact=contact.pk, basis=basis)
    return contact


@transaction.atomic
def emergency_contact_use(
    *,
    contact: EmergencyContact,
    actor: User,
    contacted_at: dt.datetime,
    basis: str,
    outcome: str,
    danger: str = "",
) -> EmergencyContactUse:
    """Record that an emergency contact was called: a disclosure, so it is on the timeline and audited. A
    contact recorded for imminent danger only may not be called on the basis of consent."""
    case = contact.case
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    if basis == ContactBasis.CONSENT and contact.basis != ContactBasis.CONSENT:
        raise ValidationError(
            {
                "basis": _(
                    "The person has not consented to this contact being called: only imminent danger to life "
                    "allows it. Say what the danger is."
                )
            }
        )
    use = EmergencyContactUse(
        contact=contact,
        case=case,
        contacted_at=contacted_at or timezone.now(),
        basis=basis,
        danger=(danger or "").strip(),
        outcome=(outcome or "").strip(),
        by=actor,
    )
    use.full_clean()
    use.save()
    when = timezone.localtime(use.contacted_at).strftime("%Y-%m-%d %H:%M")
    reason = _("Contacted %(name)s (%(relation)s) at %(when)s; basis: %(basis)s; outcome: %(outcome)s") % {
        "name": contact.name,
        "relation": contact.relation,
        "when": when,
        "basis": ContactBasis(basis).label,
        "outcome": use.outcome,
    }
    if use.danger:
        reason = f"{reason} ({use.danger})"
    event_add(case, actor, EventKind.EMERGENCY_CONTACT_USED, reason=reason)
    case_audit(actor, "case.emergency_contact_use", case, contact=contact.pk, use=use.pk, basis=basis)
    return use
