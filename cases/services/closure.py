"""Re-assessment and closure, with a second person's sign-off for a case that was high-risk."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policies
from cases.casework import case_reassessed
from cases.follow_ups.models import POST_CLOSURE_FOLLOW_UP_DAYS, FollowUp
from cases.models import Case, CrisisPhase, EventKind, FollowUpKind, Reassessment, Stage, Tier
from cases.screenings.models import Screening
from cases.services.common import case_audit, case_lock, event_add, permission_require
from cases.services.four_eyes import second_person_ask, second_person_require, second_signers_text
from centers.models import User


@transaction.atomic
def reassessment_record(
    *,
    case: Case,
    actor: User,
    judged_tier: int,
    rationale: str,
    functioning_improved: bool = False,
    supports_in_place: bool = False,
    screening: Screening | None = None,
) -> Reassessment:
    """A structured judgement (optionally backed by a new screening) before closure."""
    permission_require(policies.can_work_case(actor, case))
    if screening is not None and screening.case_id != case.pk:
        raise ValidationError({"screening": _("The screening belongs to another case.")})
    if judged_tier not in Tier.values:
        raise ValidationError({"judged_tier": _("Choose a tier.")})
    item = Reassessment(
        case=case,
        screening=screening,
        judged_tier=judged_tier,
        rationale=(rationale or "").strip(),
        functioning_improved=functioning_improved,
        supports_in_place=supports_in_place,
        by=actor,
    )
    item.full_clean()
    item.save()
    event_add(case, actor, EventKind.REASSESSED, to_value=int(judged_tier), reason=item.rationale)
    case_audit(actor, "case.reassess", case, reassessment=item.pk)
    FollowUp.objects.open().filter(case=case, kind=FollowUpKind.REASSESSMENT).update(
        done_at=item.at, done_by=actor, reached=True
    )
    return item


@transaction.atomic
def case_close(*, case: Case, actor: User, summary: str) -> Case:
    """Close with a re-assessment and a summary; a case that was high-risk waits for a supervisor's sign-off."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    summary = (summary or "").strip()
    errors = []
    if case.stage != Stage.FOLLOW_UP:
        errors.append(_("Only a case in follow-up (访) can be closed."))
    if not summary:
        errors.append(_("Write a closing summary."))
    if not case_reassessed(case=case):
        errors.append(_("Re-assess the person first (a new screening or a structured judgement)."))
    if case.alerts.filter(acknowledged_at__isnull=True).exists():
        errors.append(_("A crisis alert on this case is still open."))
    if case.tier == Tier.HIGH_RISK:
        still = _(
            "The case is still high-risk: it cannot be closed. Lower the tier first; leaving high-risk "
            "needs a second person's confirmation."
        )
        errors.append(f"{still} {second_signers_text(case, actor.pk)}")
    latest = case.reassessments.order_by("-at", "-pk").first()
    if latest is not None and latest.judged_tier == Tier.HIGH_RISK:
        errors.append(
            _(
                "The latest re-assessment judged the person high-risk: the case cannot be closed. "
                "Re-assess again when the risk has passed."
            )
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    case.closure_summary = summary
    if case.ever_high_risk:
        # Four eyes, whoever closes (a supervisor too): a second person signs off (case_sign_off).
        case.closure_requested_at = now
        case.closure_requested_by = actor
        case.save(update_fields=["closure_summary", "closure_requested_at", "closure_requested_by"])
        event_add(case, actor, EventKind.CLOSURE_REQUESTED, reason=summary, at=now)
        case_audit(actor, "case.close_request", case)
        second_person_ask(case, actor=actor, closure=True, now=now)
        return case
    return _close(case, actor=actor, now=now, signed=False)


def _close(case: Case, *, actor: User, now: dt.datetime, signed: bool) -> Case:
    old = case.stage
    case.stage = Stage.CLOSED
    case.closed_at = now
    if signed:
        case.signed_off_by = actor
        case.signed_off_at = now
    if case.crisis_phase == CrisisPhase.DURING:
        case.crisis_phase = CrisisPhase.AFTER
    case.updated_at = now
    case.full_clean()
    case.save()
    FollowUp.objects.open().filter(case=case).exclude(kind=FollowUpKind.POST_CLOSURE).update(cancelled_at=now)
    if case.ever_high_risk:
        for days in POST_CLOSURE_FOLLOW_UP_DAYS:
            FollowUp.objects.create(
                case=case,
                center=case.center,
                station=case.station,
                kind=FollowUpKind.POST_CLOSURE,
                due_at=now + dt.timedelta(days=days),
                assigned_to=case.counselors.order_by("pk").first(),
            )
    event_add(case, actor, EventKind.CLOSED, from_value=old, to_value=Stage.CLOSED, reason=case.closure_summary, at=now)
    case_audit(actor, "case.close", case, signed_off=signed)
    return case


@transaction.atomic
def case_sign_off(*, case: Case, actor: User) -> Case:
    """A second person signs off the closure of a (once) high-risk case: a supervisor of the center or its
    deputy, never the person who closed it (four eyes)."""
    permission_require(policies.can_work_or_second_sign(actor, case))
    case = case_lock(case)
    if case.closure_requested_at is None or not case.is_open:
        raise ValidationError(_("No closure is waiting for sign-off."))
    second_person_require(
        case,
        actor=actor,
        first_person_id=case.closure_requested_by_id,
        own=_("You closed this case yourself: a second person must sign off the closure."),
    )
    return _close(case, actor=actor, now=timezone.now(), signed=True)
