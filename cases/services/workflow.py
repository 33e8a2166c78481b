"""Working a case: stages, crisis phase, special populations, counselors, service group, consent."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policies
from cases.follow_ups.models import FollowUp
from cases.models import TRANSITIONS, Case, CrisisPhase, EventKind, SpecialTag, Stage
from cases.services.common import case_audit, case_lock, event_add, permission_require
from cases.services.follow_ups import (
    follow_up_reschedule,
)
from centers.models import Role, ServiceGroup, User
from centers.policies import has_role
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give


@transaction.atomic
def case_transition(*, case: Case, to_stage: str, actor: User, reason: str = "") -> Case:
    """Move a case along 疏 → 评 → 转 → 介 → 访; only the allowed transitions pass."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    if to_stage == Stage.CLOSED:
        raise ValidationError(_("Close a case with the closing form: it needs a re-assessment and a summary."))
    if to_stage not in TRANSITIONS.get(case.stage, set()):
        raise ValidationError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Stage(case.stage).label, "to": Stage(to_stage).label if to_stage in Stage.values else to_stage}
        )
    old = case.stage
    case.stage = to_stage
    case.updated_at = timezone.now()
    case.full_clean()
    case.save()
    event_add(case, actor, EventKind.STAGE, from_value=old, to_value=to_stage, reason=reason)
    case_audit(actor, "case.stage", case, from_stage=old, to_stage=to_stage)
    return case


@transaction.atomic
def case_set_phase(*, case: Case, phase: str, actor: User, reason: str = "") -> Case:
    """Mark where the case stands in the before / during / after crisis model."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    if phase not in CrisisPhase.values:
        raise ValidationError({"phase": _("Choose a crisis phase.")})
    if phase == case.crisis_phase:
        return case
    old = case.crisis_phase
    case.crisis_phase = phase
    case.save(update_fields=["crisis_phase"])
    event_add(case, actor, EventKind.PHASE, from_value=old, to_value=phase, reason=reason)
    case_audit(actor, "case.phase", case, to_phase=phase)
    return case


@transaction.atomic
def case_set_tags(*, case: Case, tags: list[str], actor: User) -> Case:
    """Special populations: shown on the case, and they shorten the follow-up rhythm."""
    permission_require(policies.can_work_case(actor, case))
    case = case_lock(case)
    unknown = [t for t in tags if t not in SpecialTag.values]
    if unknown:
        raise ValidationError({"tags": _("Unknown special population.")})
    old = sorted(case.special_tags)
    case.special_tags = sorted(set(tags))
    case.full_clean()
    case.save(update_fields=["special_tags"])
    event_add(case, actor, EventKind.TAGS, from_value=",".join(old), to_value=",".join(case.special_tags))
    case_audit(actor, "case.tags", case, tags=case.special_tags)
    follow_up_reschedule(case, now=timezone.now())
    return case


@transaction.atomic
def case_assign(*, case: Case, counselor: User, actor: User) -> Case:
    """Give the case to a counselor of its center (a counselor may take it themselves)."""
    permission_require(policies.can_work_case(actor, case))
    if counselor.pk != actor.pk and not policies.can_supervise(actor, case) and not has_role(actor, Role.COUNSELOR):
        raise PermissionDenied
    if not has_role(counselor, Role.COUNSELOR, Role.SUPERVISOR, center_id=case.center_id):
        raise ValidationError({"counselor": _("Choose a counselor of this center.")})
    return case_counselor_add(case=case, counselor=counselor, actor=actor)


def case_counselor_add(*, case: Case, counselor: User, actor: User) -> Case:
    """The assignment itself, for callers that have checked who may assign whom (case_assign; a counselor
    opening a case from their online conversation): the counselor joins the case, takes its unassigned
    open follow-ups, and the timeline and audit log say so. Inside the caller's transaction."""
    case = case_lock(case)
    now = timezone.now()
    case.counselors.add(counselor)
    FollowUp.objects.open().filter(case=case, assigned_to__isnull=True).update(assigned_to=counselor)
    if case.assigned_at is None:
        case.assigned_at = now
    case.updated_at = now
    case.save(update_fields=["assigned_at", "updated_at"])
    event_add(case, actor, EventKind.ASSIGNED, to_value=str(counselor.pk), reason=str(counselor))
    case_audit(actor, "case.assign", case, counselor=counselor.pk)
    return case


@transaction.atomic
def case_set_group(*, case: Case, group: ServiceGroup | None, actor: User) -> Case:
    """Give the case to a service group of its center (or take it away with group=None)."""
    permission_require(policies.can_work_case(actor, case))
    if group is not None and group.center_id != case.center_id:
        raise ValidationError({"group": _("The group belongs to another center.")})
    case = case_lock(case)
    case.service_group = group
    case.save(update_fields=["service_group"])
    FollowUp.objects.open().filter(case=case).update(service_group=group)
    event_add(case, actor, EventKind.GROUP, to_value=str(group.pk) if group else "")
    case_audit(actor, "case.group", case, group=group.pk if group else None)
    return case


@transaction.atomic
def case_record_consent(*, case: Case, actor: User, obtained_how: str | None = None) -> None:
    """Staff record the person's (or, under 14, the guardian's) consent to keep a case record, with how it
    was obtained (in person by default, on paper, by phone)."""
    permission_require(policies.can_work_case(actor, case))
    consent_give(resident=case.resident, purpose=ConsentPurpose.CASE_RECORD, actor=actor, obtained_how=obtained_how)
    event_add(case, actor, EventKind.CONSENT, to_value=ConsentPurpose.CASE_RECORD)
    case_audit(actor, "case.consent", case, obtained_how=obtained_how or "in_person")
