"""Expert consultations on a case."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import policies
from cases.models import (
    Case,
    Consultation,
    EventKind,
)
from cases.services.common import case_audit, event_add, permission_require
from cases.services.notifications import absolute_url, users_notify
from centers.models import Role, User
from centers.policies import has_role


@transaction.atomic
def consultation_request(*, case: Case, expert: User, question: str, actor: User) -> Consultation:
    """Ask an expert of the center's pool; from then on the expert may open this case (and only such cases)."""
    permission_require(policies.can_work_case(actor, case))
    if not has_role(expert, Role.EXPERT, center_id=case.center_id):
        raise ValidationError({"expert": _("Choose an expert of this center's pool.")})
    consultation = Consultation(case=case, expert=expert, requested_by=actor, question=(question or "").strip())
    consultation.full_clean()
    consultation.save()
    event_add(case, actor, EventKind.CONSULTATION, to_value="requested", reason=str(expert))
    case_audit(actor, "case.consult_request", case, consultation=consultation.pk, expert=expert.pk)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Expert consultation asked on case %(ref)s") % {"ref": case.reference}
        text = _("A counselor asks for your advice: %(url)s") % {"url": absolute_url(reverse("cases:consultations"))}
    users_notify(
        users=[expert],
        center=case.center,
        now=consultation.requested_at,
        subject=str(subject),
        text=str(text),
        key=f"consultation:{consultation.pk}",
    )  # the sweep sends the email and SMS within a minute
    return consultation


@transaction.atomic
def consultation_advise(*, consultation: Consultation, advice: str, actor: User) -> Consultation:
    """The expert's advice joins the case."""
    permission_require(policies.can_advise(actor, consultation))
    consultation = Consultation.objects.select_for_update().select_related("case").get(pk=consultation.pk)
    advice = (advice or "").strip()
    if not advice:
        raise ValidationError({"advice": _("Write your advice.")})
    consultation.advice = advice
    consultation.advised_at = timezone.now()
    consultation.save(update_fields=["advice", "advised_at"])
    event_add(consultation.case, actor, EventKind.CONSULTATION, to_value="advised")
    case_audit(actor, "case.consult_advise", consultation.case, consultation=consultation.pk)
    return consultation
