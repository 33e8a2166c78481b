"""Screenings: scored, and acted on by the tier their result sets."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policies
from cases.instruments import Result, instrument_get
from cases.models import Case, Channel, EventKind, Tier
from cases.screenings.models import Screening
from cases.services.common import case_audit, case_lock, event_add, permission_require
from cases.services.intake import case_intake
from cases.services.routing import case_tier_raise
from centers.audit.log import audit_record
from centers.models import Center, Resident, User
from centers.policies import resident_of
from centers.privacy.consent import has_consent
from centers.privacy.models import ConsentPurpose, ConsentRecord
from centers.privacy.services import consent_give


def tier_for_result(*, center: Center, instrument: str, result: Result) -> tuple[int, str]:
    """The tier a screening result sets (ARCHITECTURE.md section 3, thresholds per center) and why."""
    if instrument == "asq" and result.acute:
        return Tier.HIGH_RISK, "asq_acute"
    if instrument == "phq9" and (result.item9 or 0) >= 2:
        return Tier.HIGH_RISK, "phq9_item9"
    if instrument == "asq" and result.positive:
        return Tier.SERIOUS, "asq_positive"
    if instrument == "phq9" and result.score >= center.phq9_serious_threshold:
        return Tier.SERIOUS, "phq9_score"
    if instrument == "gad7" and result.score >= center.gad7_serious_threshold:
        return Tier.SERIOUS, "gad7_score"
    if instrument == "phq9" and result.item9 == 1:
        return Tier.SERIOUS, "phq9_item9"
    return Tier.GENERAL, "screening"


@transaction.atomic
def screening_submit(
    *,
    resident: Resident,
    instrument: str,
    answers: dict[str, object],
    actor: User,
    case: Case | None = None,
    taken_at: dt.datetime | None = None,
) -> tuple[Screening, Case | None]:
    """Score a screening and act on it: a resident online (after consent), or a counselor in a session.

    Returns the screening and the case it joined or opened (None when nothing needs a case).
    """
    definition = instrument_get(instrument)
    if definition is None:
        raise ValidationError({"instrument": _("Unknown questionnaire.")})
    me = resident_of(actor)
    self_reported = me is not None and (me.pk == resident.pk or resident.guardian_id == me.pk) and case is None
    if self_reported:
        if not has_consent(resident, ConsentPurpose.SCREENING):
            raise ValidationError(_("Please give your consent to the self-check first."))
    else:
        if case is None or case.resident_id != resident.pk:
            raise PermissionDenied
        permission_require(policies.can_work_case(actor, case))
        if not case.is_open:
            raise ValidationError(_("This case is closed. Record new contact through an intake: it reopens the case."))
    result = definition.score(answers)
    now = timezone.now()
    if taken_at is not None:
        # Staff may enter a questionnaire filled in on paper earlier; never a future one.
        if self_reported or taken_at > now:
            raise ValidationError({"taken_at": _("A questionnaire cannot be dated in the future.")})
        now = taken_at
    tier, why = tier_for_result(center=resident.center, instrument=instrument, result=result)
    screening = Screening(
        resident=resident,
        center=resident.center,
        station=case.station if case else resident.station,
        instrument=instrument,
        answers=dict(definition.clean_answers(answers).items()),  # type: ignore[misc]  # a JSON field: the stubs type it str
        score=result.score,
        band=result.band,
        positive=result.positive or tier > Tier.GENERAL,
        acute=result.acute,
        item9=result.item9,
        self_reported=self_reported,
        entered_by=actor,
        taken_at=now,
    )
    screening.full_clean()
    screening.save()
    reason = _("%(instrument)s: %(score)s, %(band)s") % {
        "instrument": instrument.upper(),
        "score": result.score,
        "band": str(result.band_label),  # in the language of the sentence around it
    }
    if case is not None:
        case = case_lock(case)
        screening.case = case
        screening.save(update_fields=["case"])
        event_add(case, actor, EventKind.SCREENING, to_value=f"{instrument}:{result.score}", reason=reason, at=now)
        case_audit(actor, "case.screening", case, screening=screening.pk, instrument=instrument)
        case_tier_raise(case, tier=tier, actor=actor, reason=reason, now=now, source=Channel.SCREENING)
    elif screening.positive:
        case, _created = case_intake(
            resident=resident,
            center=resident.center,
            channel=Channel.SCREENING,
            source=_("Online self-check"),
            actor=actor,
            tier=tier,
            reason=reason,
        )
        screening.case = case
        screening.save(update_fields=["case"])
        event_add(case, actor, EventKind.SCREENING, to_value=f"{instrument}:{result.score}", reason=reason, at=now)
    else:
        open_case = Case.objects.open().filter(resident=resident, center=resident.center).first()
        if open_case is not None:
            screening.case = open_case
            screening.save(update_fields=["case"])
            event_add(
                open_case, actor, EventKind.SCREENING, to_value=f"{instrument}:{result.score}", reason=reason, at=now
            )
            case = open_case
    audit_record(actor=actor, action="screening.submit", obj=screening, detail={"instrument": instrument, "why": why})
    return screening, case


@transaction.atomic
def screening_consent_give(*, resident: Resident, actor: User) -> ConsentRecord:
    """A resident (or the guardian of a child under 14) consents to the self-check."""
    return consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=actor)
