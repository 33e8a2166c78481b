"""Erasure of a person's case records: free text blanked, kept records (open or inside retention) announced."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.alerts.models import CallbackRequest, CrisisAlert
from cases.erasure import held_case_ids
from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, CaseNote, Consultation, EventKind, Reassessment
from cases.recipients import supervisor_list
from cases.referrals.models import Referral
from cases.screenings.models import Screening
from cases.services.common import case_audit, event_add
from cases.services.notifications import absolute_url, notice_add
from centers.models import Resident, User


def _erasure_record_kept(*, resident: Resident, actor: User | None, case_ids: set[int]) -> None:
    """For person_anonymise, inside its transaction: the kept cases get a timeline entry and an
    audit row, and their counselors and the center's supervisors a notice (workspace row and email)."""
    now = timezone.now()
    for case in Case.objects.filter(pk__in=case_ids).select_related("center").prefetch_related("counselors"):
        event_add(case, actor, EventKind.ERASURE, to_value="record_kept", at=now)
        case_audit(actor, "case.erasure_record_kept", case, resident=resident.pk)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Case %(ref)s: the person asked for erasure; the record is kept") % {"ref": case.reference}
            text = _(
                "Their consents and the contact details not needed for safety were removed; the case, its notes "
                "and screenings stay, readable as before. Contact the person only as their care needs: %(url)s"
            ) % {"url": absolute_url(reverse("cases:case_detail", args=[case.pk]))}
        notice_add(
            case, [*case.counselors.all(), *supervisor_list(center=case.center)], subject=subject, text=text, now=now
        )


@transaction.atomic
def person_anonymise(*, resident: Resident, actor: User | None) -> None:
    """Blank the free text the case records hold about the person; figures stay for statistics. A case that
    must be kept (open, or closed inside the retention period: cases.erasure) keeps its clinical record, and
    its counselors and the supervisors are told."""
    held = held_case_ids(resident=resident)
    if held:
        _erasure_record_kept(resident=resident, actor=actor, case_ids=held)
    cases = list(Case.objects.filter(resident=resident).exclude(pk__in=held))
    for case in cases:
        Case.objects.filter(pk=case.pk).update(summary="", closure_summary="", source="")
        CaseNote.objects.filter(case=case).update(body="")
        CaseEvent.objects.filter(case=case).update(reason="")
        Referral.objects.filter(case=case).update(reason="-", feedback="", emergency_reason="-")
        Consultation.objects.filter(case=case).update(question="-", advice="")
        Reassessment.objects.filter(case=case).update(rationale="-")
        CrisisAlert.objects.filter(case=case).update(callback_phone="")
        CallbackRequest.objects.filter(alert__case=case).update(phone="", client_key="")
        FollowUp.objects.filter(case=case).update(outcome="")
        case_audit(actor, "case.anonymise", case)
    Screening.objects.filter(resident=resident).exclude(case_id__in=held).update(answers={})
