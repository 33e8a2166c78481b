"""Tier judgements by people: set a tier, confirm leaving high-risk, raise a crisis alert."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policies
from cases.alerts.models import CrisisAlert
from cases.models import Case, CrisisPhase, EventKind, Tier
from cases.services.alerts import alert_open
from cases.services.common import case_audit, case_lock, event_add, permission_require
from cases.services.four_eyes import second_person_ask, second_person_require
from cases.services.routing import case_tier_apply
from centers.models import User


@transaction.atomic
def case_set_tier(*, case: Case, tier: int, actor: User, reason: str) -> Case:
    """Counselor judgement: raise at once; lower with a reason; leaving high-risk waits for a supervisor."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    reason = (reason or "").strip()
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    if not reason:
        raise ValidationError({"reason": _("Write the reason for this judgement.")})
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    now = timezone.now()
    if tier == case.tier:
        raise ValidationError({"tier": _("The case already has this tier.")})
    if case.tier == Tier.HIGH_RISK and tier < case.tier:
        # Four eyes: whoever proposes (a supervisor too), a second person confirms (case_confirm_tier).
        case.pending_tier = tier
        case.pending_tier_reason = reason[:300]
        case.pending_tier_by = actor
        case.save(update_fields=["pending_tier", "pending_tier_reason", "pending_tier_by"])
        event_add(
            case,
            actor,
            EventKind.TIER_PROPOSED,
            from_value=int(case.tier),
            to_value=int(tier),
            reason=reason,
        )
        case_audit(actor, "case.tier_propose", case, to_tier=tier)
        second_person_ask(case, actor=actor, closure=False, now=now)
        return case
    case_tier_apply(case, tier=tier, actor=actor, reason=reason, now=now, source="judgement")
    return case


@transaction.atomic
def case_confirm_tier(*, case: Case, actor: User, approve: bool, reason: str = "") -> Case:
    """A second person confirms (or refuses) a proposal to lower a high-risk case: a supervisor of the center
    or its deputy, never the proposer (four eyes)."""
    permission_require(policies.can_work_or_second_sign(actor, case))
    case = case_lock(case)
    if case.pending_tier is None:
        raise ValidationError(_("No lower tier is waiting for confirmation."))
    second_person_require(
        case,
        actor=actor,
        first_person_id=case.pending_tier_by_id,
        own=_("You proposed leaving high-risk yourself: a second person must confirm it."),
    )
    now = timezone.now()
    if approve:
        text = f"{case.pending_tier_reason}\n{reason}".strip()
        case_tier_apply(case, tier=case.pending_tier, actor=actor, reason=text, now=now, source="supervisor_confirmed")
        if case.crisis_phase == CrisisPhase.DURING:
            case.crisis_phase = CrisisPhase.AFTER
            case.save(update_fields=["crisis_phase"])
            event_add(case, actor, EventKind.PHASE, from_value=CrisisPhase.DURING, to_value=CrisisPhase.AFTER)
    else:
        proposed = case.pending_tier
        case.pending_tier = None
        case.pending_tier_reason = ""
        case.pending_tier_by = None
        case.save(update_fields=["pending_tier", "pending_tier_reason", "pending_tier_by"])
        event_add(
            case,
            actor,
            EventKind.TIER,
            from_value=int(proposed),
            to_value=int(case.tier),
            reason=reason or _("Supervisor kept the case high-risk."),
        )
        case_audit(actor, "case.tier_refuse", case)
    return case


@transaction.atomic
def alert_raise(*, case: Case, actor: User, reason: str) -> CrisisAlert | None:
    """A counselor raises a crisis alert on a case by judgement (the case becomes high-risk)."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Write the reason for this judgement.")})
    now = timezone.now()
    if case.tier < Tier.HIGH_RISK:
        case_tier_apply(case, tier=Tier.HIGH_RISK, actor=actor, reason=reason, now=now, source="judgement")
        return case.alerts.filter(acknowledged_at__isnull=True).first()
    return alert_open(case=case, actor=actor, reason="judgement", now=now)
