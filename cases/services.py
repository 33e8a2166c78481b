"""Every write to cases goes through these functions (keyword-only, atomic, audited in the same transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from centers.audit import AuditEntry, audit_record, audit_record_many
from centers.bulk import insert_rows
from centers.models import Center, ConsentPurpose, PartnerInstitution, Resident, Role, Station, User
from centers.policies import has_consent, has_role, resident_of
from centers.selectors import DUTY_CRISIS_TEAM, on_duty
from centers.services import consent_give

from . import policies, selectors
from .erasure import erasure_record_kept, held_case_ids
from .instruments import Result, instrument_get
from .models import (
    POST_CLOSURE_FOLLOW_UP_DAYS,
    REFERRAL_TRANSITIONS,
    TAG_FOLLOW_UP_DAYS,
    TIER_FOLLOW_UP_DAYS,
    TRANSITIONS,
    CallbackRequest,
    Case,
    CaseEvent,
    CaseNote,
    Channel,
    Consultation,
    CrisisAlert,
    CrisisPhase,
    EventKind,
    FollowUp,
    FollowUpKind,
    Notification,
    Reassessment,
    Referral,
    ReferralBasis,
    ReferralLink,
    ReferralStatus,
    Screening,
    SpecialTag,
    Stage,
    Tier,
    WeeklyRiskSummary,
)

logger = logging.getLogger("fucheng.cases")

SYSTEM = "system"


# --- helpers -----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _event(case: Case, actor, kind: str, *, from_value="", to_value="", reason: str = "", at=None) -> CaseEvent:
    event = CaseEvent(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        from_value=str(from_value)[:40],
        to_value=str(to_value)[:40],
        reason=reason,
        at=at or _now(),
    )
    event.save()
    return event


def _audit(actor, action: str, case: Case, **detail) -> None:
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        obj=case,
        object_type="cases.case",
        object_id=case.pk,
        detail=detail,
        actor_label=None if getattr(actor, "is_authenticated", False) else SYSTEM,
    )


def _enqueue(task_name: str, *args) -> None:
    """Queue a task after commit. A broker that is down must not undo the row: the sweep catches up.

    The message is published from a short-lived thread: with Redis down, the client's connection
    retries take seconds, and a person asking for help must not wait for them.
    """

    def send() -> None:
        from . import tasks

        try:
            getattr(tasks, task_name).apply_async(args=args, retry=False)
        except Exception as exc:  # broker unreachable: the beat sweep sends it within a minute
            logger.warning("cases: could not queue %s%s (%s); the sweep will act on the row", task_name, args, exc)

    def after_commit() -> None:
        from fucheng.celery import app

        if app.conf.task_always_eager:
            send()
        else:
            threading.Thread(target=send, name=f"cases-enqueue-{task_name}", daemon=True).start()

    transaction.on_commit(after_commit)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _absolute(path: str) -> str:
    return settings.FUCHENG_BASE_URL.rstrip("/") + path


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- tiers and routing ----------------------------------------------------------------------------


def tier_for_result(*, center, instrument: str, result: Result) -> tuple[int, str]:
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


def follow_up_days(case: Case) -> int:
    """The tier's rhythm, shortened by any special population's minimum rhythm."""
    days = [TIER_FOLLOW_UP_DAYS[Tier(case.tier)]]
    days += [TAG_FOLLOW_UP_DAYS[SpecialTag(t)] for t in case.special_tags if t in SpecialTag.values]
    return min(days)


def _route(case: Case, actor, *, reason: str, now, callback_phone: str = "") -> None:
    """Send the case where its tier says, with the tier's response times."""
    if case.tier == Tier.HIGH_RISK:
        case.respond_by = now + dt.timedelta(hours=1)
        case.expert_review_by = case.expert_review_by or now + dt.timedelta(hours=24)
        case.crisis_phase = CrisisPhase.DURING
        case.ever_high_risk = True
        route = "crisis_team"
    elif case.tier == Tier.SERIOUS:
        case.respond_by = now + dt.timedelta(hours=24)
        case.expert_review_by = case.expert_review_by or now + dt.timedelta(hours=72)
        route = "center_counselors"
    else:
        case.respond_by = case.opened_at + dt.timedelta(hours=72)
        route = "station_counselors" if case.station_id else "center_counselors"
    case.response_chase_level = 0  # a new response time is chased from its own start
    case.updated_at = now
    case.full_clean()
    case.save()
    _event(case, actor, EventKind.ROUTED, to_value=route, at=now)
    if case.tier == Tier.HIGH_RISK:
        _alert_raise(case=case, actor=actor, reason=reason, now=now, callback_phone=callback_phone)
    elif case.tier == Tier.SERIOUS:
        _serious_intake_notify(case, now=now)
    _follow_up_schedule(case, now=now)


def _serious_intake_notify(case: Case, *, now) -> None:
    """A serious case is contacted within 24 hours: its counselors, else the crisis team on duty, else the
    supervisors hear of it at once."""
    people = list(case.counselors.filter(is_active=True)) or on_duty(center=case.center, duty=DUTY_CRISIS_TEAM, at=now)
    people = people or _supervisors(case.center)
    with translation.override(settings.LANGUAGE_CODE):
        url = _absolute(reverse("cases:case_detail", args=[case.pk]))
        subject = _("Serious case %(ref)s: contact the person within 24 hours") % {"ref": case.reference}
        text = _("Contact the person by %(due)s and record the contact on the case: %(url)s") % {
            "due": timezone.localtime(case.respond_by).strftime("%Y-%m-%d %H:%M"),
            "url": url,
        }
    key = f"serious:{case.pk}:{int(case.respond_by.timestamp())}"
    _notify_users(users=people, center=case.center, now=now, subject=str(subject), text=str(text), key=key)


def _tier_apply(case: Case, *, tier: int, actor, reason: str, now, source: str, callback_phone: str = "") -> None:
    old = case.tier
    case.tier = tier
    case.pending_tier = None
    case.pending_tier_reason = ""
    case.pending_tier_by = None
    if tier == Tier.HIGH_RISK:
        case.ever_high_risk = True
    case.updated_at = now
    case.full_clean()
    case.save()
    _event(case, actor, EventKind.TIER, from_value=int(old), to_value=int(tier), reason=reason, at=now)
    _audit(actor, "case.tier", case, from_tier=old, to_tier=tier, source=source)
    if tier > old:
        _route(case, actor, reason=source, now=now, callback_phone=callback_phone)
    else:
        _follow_up_reschedule(case, now=now)


def _raise_to(case: Case, *, tier: int, actor, reason: str, now, source: str, callback_phone: str = "") -> None:
    """Signals only ever raise a tier automatically; lowering is a person's decision with a reason."""
    if tier > case.tier:
        _tier_apply(case, tier=tier, actor=actor, reason=reason, now=now, source=source, callback_phone=callback_phone)
    elif tier == Tier.HIGH_RISK:
        # Already high-risk, yet a new acute signal: the crisis team must hear of it again.
        _alert_raise(case=case, actor=actor, reason=source, now=now, callback_phone=callback_phone)


# --- intake -------------------------------------------------------------------------------------------


@transaction.atomic
def case_intake(
    *,
    resident: Resident,
    center,
    channel: str,
    source: str,
    actor,
    station: Station | None = None,
    summary: str = "",
    tier: int | None = None,
    reason: str = "",
    callback_phone: str = "",
    ref: str = "",
) -> tuple[Case, bool]:
    """Open a case from any channel, or join the person's open case at the center. Returns (case, created).

    `ref` names the record that caused the intake (e.g. "appointment:42"); it is kept on the opening or
    joining event so a sweep can tell which records it has already taken in.

    A "help now" request is routed as high-risk. A risk signal (serious or high-risk) on a person whose
    case was closed reopens that case.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown intake channel.")})
    if resident.center_id != center.pk:
        raise ValidationError({"resident": _("The person is registered with another center.")})
    if station is not None and station.center_id != center.pk:
        raise ValidationError({"station": _("The station belongs to another center.")})
    if channel == Channel.HELP_NOW:
        tier = Tier.HIGH_RISK
    now = _now()
    signal_tier = tier or Tier.GENERAL
    Resident.objects.select_for_update().filter(pk=resident.pk).first()  # serialise intakes for one person
    case = Case.objects.select_for_update().open().filter(resident=resident, center=center).first()
    if case is not None:
        _event(case, actor, EventKind.JOINED, from_value=ref, to_value=channel, reason=summary, at=now)
        if summary:
            case.summary = f"{case.summary}\n\n{summary}".strip()
            case.save(update_fields=["summary"])
        _audit(actor, "case.join", case, channel=channel)
        _raise_to(
            case, tier=signal_tier, actor=actor, reason=reason, now=now, source=channel, callback_phone=callback_phone
        )
        return case, False
    closed = (
        Case.objects.select_for_update()
        .filter(resident=resident, center=center, stage=Stage.CLOSED)
        .order_by("-closed_at")
        .first()
    )
    if closed is not None and signal_tier >= Tier.SERIOUS:
        _reopen(closed, actor=actor, reason=reason or str(Channel(channel).label), now=now)
        _event(closed, actor, EventKind.JOINED, from_value=ref, to_value=channel, reason=summary, at=now)
        if signal_tier > closed.tier:
            _tier_apply(
                closed,
                tier=signal_tier,
                actor=actor,
                reason=reason,
                now=now,
                source=channel,
                callback_phone=callback_phone,
            )
        else:
            _route(closed, actor, reason=channel, now=now, callback_phone=callback_phone)
        return closed, False
    case = Case(
        center=center,
        station=station or resident.station,
        resident=resident,
        channel=channel,
        source=source[:120],
        summary=summary,
        tier=signal_tier,
        opened_tier=signal_tier,
        ever_high_risk=signal_tier == Tier.HIGH_RISK,
        opened_at=now,
        updated_at=now,
    )
    if resident.age is not None and resident.age < 18:
        case.special_tags = [SpecialTag.MINOR.value]
    case.full_clean()
    case.save()
    _event(case, actor, EventKind.OPENED, from_value=ref, to_value=channel, reason=source, at=now)
    if signal_tier > Tier.GENERAL:
        _event(case, actor, EventKind.TIER, to_value=int(signal_tier), reason=reason, at=now)
    _audit(actor, "case.open", case, channel=channel, tier=signal_tier)
    _route(case, actor, reason=channel, now=now, callback_phone=callback_phone)
    return case, True


def _reopen(case: Case, *, actor, reason: str, now) -> None:
    old = case.stage
    case.stage = Stage.ASSESS
    case.closed_at = None
    case.closure_requested_at = None
    case.closure_requested_by = None
    case.signed_off_at = None
    case.signed_off_by = None
    case.crisis_phase = CrisisPhase.BEFORE
    case.first_contact_at = None  # a new episode needs its own first contact
    case.updated_at = now
    case.full_clean()
    case.save()
    FollowUp.objects.open().filter(case=case, kind=FollowUpKind.POST_CLOSURE).update(cancelled_at=now)
    _event(case, actor, EventKind.REOPENED, from_value=old, to_value=case.stage, reason=reason, at=now)
    _audit(actor, "case.reopen", case)


@transaction.atomic
def help_now_request(*, actor: User, phone: str = "", resident: Resident | None = None) -> Case:
    """A signed-in resident's "I need help now": an urgent callback routed like a high-risk alert."""
    me = resident_of(actor)
    resident = resident or me
    if me is None or resident is None or (resident.pk != me.pk and resident.guardian_id != me.pk):
        raise PermissionDenied
    phone = (phone or resident.phone or actor.phone or "").strip()
    if not phone:
        raise ValidationError({"phone": _("Give a number we can call you back on.")})
    case, _created = case_intake(
        resident=resident,
        center=resident.center,
        channel=Channel.HELP_NOW,
        source=_("Urgent callback requested online"),
        actor=actor,
        callback_phone=phone,
    )
    return case


# --- tier changes by people --------------------------------------------------------------------


@transaction.atomic
def case_set_tier(*, case: Case, tier: int, actor: User, reason: str) -> Case:
    """Counselor judgement: raise at once; lower with a reason; leaving high-risk waits for a supervisor."""
    _require(policies.can_work_case(actor, case))
    case = _lock(case)
    reason = (reason or "").strip()
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    if not reason:
        raise ValidationError({"reason": _("Write the reason for this judgement.")})
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    now = _now()
    if tier == case.tier:
        raise ValidationError({"tier": _("The case already has this tier.")})
    if case.tier == Tier.HIGH_RISK and tier < case.tier:
        # Four eyes: whoever proposes (a supervisor too), a second person confirms (case_confirm_tier).
        case.pending_tier = tier
        case.pending_tier_reason = reason[:300]
        case.pending_tier_by = actor
        case.save(update_fields=["pending_tier", "pending_tier_reason", "pending_tier_by"])
        _event(
            case,
            actor,
            EventKind.TIER_PROPOSED,
            from_value=int(case.tier),
            to_value=int(tier),
            reason=reason,
        )
        _audit(actor, "case.tier_propose", case, to_tier=tier)
        _ask_second_person(case, actor=actor, closure=False, now=now)
        return case
    _tier_apply(case, tier=tier, actor=actor, reason=reason, now=now, source="judgement")
    return case


@transaction.atomic
def case_confirm_tier(*, case: Case, actor: User, approve: bool, reason: str = "") -> Case:
    """A second person confirms (or refuses) a proposal to lower a high-risk case: a supervisor of the center
    or its deputy, never the proposer (four eyes)."""
    _require(policies.can_work_or_second_sign(actor, case))
    case = _lock(case)
    if case.pending_tier is None:
        raise ValidationError(_("No lower tier is waiting for confirmation."))
    _require_second_person(
        case,
        actor=actor,
        first_person_id=case.pending_tier_by_id,
        own=_("You proposed leaving high-risk yourself: a second person must confirm it."),
    )
    now = _now()
    if approve:
        text = f"{case.pending_tier_reason}\n{reason}".strip()
        _tier_apply(case, tier=case.pending_tier, actor=actor, reason=text, now=now, source="supervisor_confirmed")
        if case.crisis_phase == CrisisPhase.DURING:
            case.crisis_phase = CrisisPhase.AFTER
            case.save(update_fields=["crisis_phase"])
            _event(case, actor, EventKind.PHASE, from_value=CrisisPhase.DURING, to_value=CrisisPhase.AFTER)
    else:
        proposed = case.pending_tier
        case.pending_tier = None
        case.pending_tier_reason = ""
        case.pending_tier_by = None
        case.save(update_fields=["pending_tier", "pending_tier_reason", "pending_tier_by"])
        _event(
            case,
            actor,
            EventKind.TIER,
            from_value=int(proposed),
            to_value=int(case.tier),
            reason=reason or _("Supervisor kept the case high-risk."),
        )
        _audit(actor, "case.tier_refuse", case)
    return case


def _second_signers_text(case: Case, first_person_id: int | None) -> str:
    """Who can give the second signature, by name, for a refusal: or what the center must set up first."""
    people = selectors.second_signers(case=case, first_person_id=first_person_id)
    if people:
        return _("It can be given by: %(names)s.") % {"names": "、".join(str(p) for p in people)}
    return _(
        "Nobody else can give it yet: the center has no other supervisor and no deputy. "
        "Ask the center's administrator to name a deputy in the center's settings."
    )


def _require_second_person(case: Case, *, actor: User, first_person_id: int | None, own: str) -> None:
    """Four eyes: refuse the proposer with the names of who can decide; refuse anyone else not entitled."""
    if policies.can_second_sign(actor, case, first_person_id=first_person_id):
        return
    if actor.pk == first_person_id and policies.can_work_case(actor, case):
        raise ValidationError(f"{own} {_second_signers_text(case, first_person_id)}")
    if policies.can_work_case(actor, case):
        needed = _("This needs a supervisor of the center (or its deputy) other than the person who asked.")
        raise ValidationError(f"{needed} {_second_signers_text(case, first_person_id)}")
    raise PermissionDenied


# --- workflow --------------------------------------------------------------------------------------


@transaction.atomic
def case_transition(*, case: Case, to_stage: str, actor: User, reason: str = "") -> Case:
    """Move a case along 疏 → 评 → 转 → 介 → 访; only the allowed transitions pass."""
    _require(policies.can_work_case(actor, case))
    case = _lock(case)
    if to_stage == Stage.CLOSED:
        raise ValidationError(_("Close a case with the closing form: it needs a re-assessment and a summary."))
    if to_stage not in TRANSITIONS.get(case.stage, set()):
        raise ValidationError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Stage(case.stage).label, "to": Stage(to_stage).label if to_stage in Stage.values else to_stage}
        )
    old = case.stage
    case.stage = to_stage
    case.updated_at = _now()
    case.full_clean()
    case.save()
    _event(case, actor, EventKind.STAGE, from_value=old, to_value=to_stage, reason=reason)
    _audit(actor, "case.stage", case, from_stage=old, to_stage=to_stage)
    return case


@transaction.atomic
def case_set_phase(*, case: Case, phase: str, actor: User, reason: str = "") -> Case:
    """Mark where the case stands in the before / during / after crisis model."""
    _require(policies.can_work_case(actor, case))
    case = _lock(case)
    if phase not in CrisisPhase.values:
        raise ValidationError({"phase": _("Choose a crisis phase.")})
    if phase == case.crisis_phase:
        return case
    old = case.crisis_phase
    case.crisis_phase = phase
    case.save(update_fields=["crisis_phase"])
    _event(case, actor, EventKind.PHASE, from_value=old, to_value=phase, reason=reason)
    _audit(actor, "case.phase", case, to_phase=phase)
    return case


@transaction.atomic
def case_set_tags(*, case: Case, tags: list[str], actor: User) -> Case:
    """Special populations: shown on the case, and they shorten the follow-up rhythm."""
    _require(policies.can_work_case(actor, case))
    case = _lock(case)
    unknown = [t for t in tags if t not in SpecialTag.values]
    if unknown:
        raise ValidationError({"tags": _("Unknown special population.")})
    old = sorted(case.special_tags)
    case.special_tags = sorted(set(tags))
    case.full_clean()
    case.save(update_fields=["special_tags"])
    _event(case, actor, EventKind.TAGS, from_value=",".join(old), to_value=",".join(case.special_tags))
    _audit(actor, "case.tags", case, tags=case.special_tags)
    _follow_up_reschedule(case, now=_now())
    return case


@transaction.atomic
def case_assign(*, case: Case, counselor: User, actor: User) -> Case:
    """Give the case to a counselor of its center (a counselor may take it themselves)."""
    _require(policies.can_work_case(actor, case))
    if counselor.pk != actor.pk and not policies.can_supervise(actor, case) and not has_role(actor, Role.COUNSELOR):
        raise PermissionDenied
    if not has_role(counselor, Role.COUNSELOR, Role.SUPERVISOR, center_id=case.center_id):
        raise ValidationError({"counselor": _("Choose a counselor of this center.")})
    return assign_counselor(case=case, counselor=counselor, actor=actor)


def assign_counselor(*, case: Case, counselor: User, actor: User) -> Case:
    """The assignment itself, for callers that have checked who may assign whom (case_assign; a counselor
    opening a case from their online conversation): the counselor joins the case, takes its unassigned
    open follow-ups, and the timeline and audit log say so. Inside the caller's transaction."""
    case = _lock(case)
    now = _now()
    case.counselors.add(counselor)
    FollowUp.objects.open().filter(case=case, assigned_to__isnull=True).update(assigned_to=counselor)
    if case.assigned_at is None:
        case.assigned_at = now
    case.updated_at = now
    case.save(update_fields=["assigned_at", "updated_at"])
    _event(case, actor, EventKind.ASSIGNED, to_value=str(counselor.pk), reason=str(counselor))
    _audit(actor, "case.assign", case, counselor=counselor.pk)
    return case


@transaction.atomic
def case_set_group(*, case: Case, group, actor: User) -> Case:
    """Give the case to a service group of its center (or take it away with group=None)."""
    _require(policies.can_work_case(actor, case))
    if group is not None and group.center_id != case.center_id:
        raise ValidationError({"group": _("The group belongs to another center.")})
    case = _lock(case)
    case.service_group = group
    case.save(update_fields=["service_group"])
    FollowUp.objects.open().filter(case=case).update(service_group=group)
    _event(case, actor, EventKind.GROUP, to_value=str(group.pk) if group else "")
    _audit(actor, "case.group", case, group=group.pk if group else None)
    return case


@transaction.atomic
def case_record_consent(*, case: Case, actor: User, obtained_how: str | None = None) -> None:
    """Staff record the person's (or, under 14, the guardian's) consent to keep a case record, with how it
    was obtained (in person by default, on paper, by phone)."""
    _require(policies.can_work_case(actor, case))
    consent_give(resident=case.resident, purpose=ConsentPurpose.CASE_RECORD, actor=actor, obtained_how=obtained_how)
    _event(case, actor, EventKind.CONSENT, to_value=ConsentPurpose.CASE_RECORD)
    _audit(actor, "case.consent", case, obtained_how=obtained_how or "in_person")


# --- crisis alerts ----------------------------------------------------------------------------------


def _alert_text(alert: CrisisAlert, level: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        url = _absolute(reverse("cases:case_detail", args=[alert.case_id]))
        if level == CrisisAlert.Level.TEAM:
            subject = _("Crisis alert: high-risk case %(ref)s needs you now") % {"ref": alert.case.reference}
        else:
            subject = _("Escalated crisis alert: case %(ref)s not acknowledged") % {"ref": alert.case.reference}
        text = _("Open the case, acknowledge the alert and contact the person within one hour: %(url)s") % {"url": url}
    return str(subject), str(text)


def _supervisors(center) -> list[User]:
    return list(
        User.objects.filter(
            memberships__center=center, memberships__role=Role.SUPERVISOR, memberships__is_active=True, is_active=True
        ).distinct()
    )


def _counselors(center) -> list[User]:
    return list(
        User.objects.filter(
            memberships__center=center, memberships__role=Role.COUNSELOR, memberships__is_active=True, is_active=True
        ).distinct()
    )


def _notify_users(
    *,
    users,
    center,
    now,
    subject,
    text,
    alert=None,
    follow_up=None,
    level=0,
    conversation=None,
    key: str = "",
    callback_request=None,
) -> list[Notification]:
    rows: list[Notification] = []
    for user in users:
        rows.append(
            Notification(channel=Notification.ChannelKind.WORKSPACE, user=user, address=f"user:{user.pk}", sent_at=now)
        )
        if user.email:
            rows.append(Notification(channel=Notification.ChannelKind.EMAIL, user=user, address=user.email))
        if user.phone:
            rows.append(Notification(channel=Notification.ChannelKind.SMS, user=user, address=user.phone))
    return _store_notifications(
        rows,
        center=center,
        now=now,
        subject=subject,
        text=text,
        alert=alert,
        follow_up=follow_up,
        level=level,
        conversation=conversation,
        key=key,
        callback_request=callback_request,
    )


def _notify_contact(
    *,
    center,
    now,
    subject,
    text,
    alert=None,
    follow_up=None,
    level=0,
    conversation=None,
    key: str = "",
    callback_request=None,
) -> list[Notification]:
    rows = []
    if center.escalation_contact_email:
        rows.append(Notification(channel=Notification.ChannelKind.EMAIL, address=center.escalation_contact_email))
    if center.escalation_contact_phone:
        rows.append(Notification(channel=Notification.ChannelKind.SMS, address=center.escalation_contact_phone))
    return _store_notifications(
        rows,
        center=center,
        now=now,
        subject=subject,
        text=text,
        alert=alert,
        follow_up=follow_up,
        level=level,
        conversation=conversation,
        key=key,
        callback_request=callback_request,
    )


def _store_notifications(
    rows,
    *,
    center,
    now,
    subject,
    text,
    alert,
    follow_up,
    level,
    conversation=None,
    key: str = "",
    callback_request=None,
) -> list[Notification]:
    stored = []
    seen = set()
    for row in rows:
        channel_address = (row.channel, row.address)
        if channel_address in seen:
            continue
        seen.add(channel_address)
        row.center = center
        row.alert = alert
        row.follow_up = follow_up
        row.conversation = conversation
        row.callback_request = callback_request
        row.level = level
        row.key = key
        row.subject = subject[:200]
        row.text = text
        row.created_at = now
        if callback_request is not None:
            lookup = {"callback_request": callback_request}
        elif alert is not None:
            lookup = {"alert": alert, "callback_request": None}
        elif follow_up is not None:
            lookup = {"follow_up": follow_up}
        elif key:
            lookup = {"key": key}
        else:
            lookup = {"conversation": conversation}
        if Notification.objects.filter(level=level, channel=row.channel, address=row.address, **lookup).exists():
            continue
        row.save()
        stored.append(row)
    return stored


def _alert_team_notify(alert: CrisisAlert, *, now, subject: str, text: str, callback_request=None) -> list[User]:
    """Notify the crisis team on duty, or with nobody on duty the supervisors and the escalation contact."""
    team = on_duty(center=alert.center, duty=DUTY_CRISIS_TEAM, at=now)
    rows = {"center": alert.center, "now": now, "subject": subject, "text": text, "alert": alert}
    if team:
        _notify_users(users=team, callback_request=callback_request, **rows)
    else:
        # Nobody eligible on duty: straight to the supervisors and the center's escalation contact.
        reached = _notify_users(users=_supervisors(alert.center), callback_request=callback_request, **rows)
        reached += _notify_contact(callback_request=callback_request, **rows)
        if not reached:  # an alert never has zero recipients: every active counselor of the center
            _notify_users(users=_counselors(alert.center), callback_request=callback_request, **rows)
    if callback_request is not None and alert.level >= CrisisAlert.Level.SUPERVISOR:
        # The alert already went past the team without an answer: the supervisors hear of the new request too.
        _notify_users(users=_supervisors(alert.center), callback_request=callback_request, **rows)
    return team


def _is_person_signal(actor) -> bool:
    """A signal from the person (or their guardian, or a visitor without an account), not from staff at work."""
    return not getattr(actor, "is_authenticated", False) or not policies.is_case_worker(actor)


def _callback_request_add(alert: CrisisAlert, *, source: str, phone: str, now) -> CallbackRequest:
    if source not in CallbackRequest.Source.values:
        source = CallbackRequest.Source.HELP_NOW
    request = CallbackRequest(alert=alert, source=source, phone=phone[:20], requested_at=now)
    request.full_clean()
    request.save()
    return request


def _repeat_text(alert: CrisisAlert, count: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        url = _absolute(reverse("cases:case_detail", args=[alert.case_id]))
        subject = _("Crisis alert: case %(ref)s asked for help again (request %(count)s), still not acknowledged") % {
            "ref": alert.case.reference,
            "count": count,
        }
        text = _("Open the case, acknowledge the alert and call the person back now: %(url)s") % {"url": url}
    return str(subject), str(text)


def _notice(case: Case, people, *, subject: str, text: str, now) -> None:
    """A notice about a case (no alert, no deadline): a workspace row and an email for each active person once,
    sent by the outbox sweep."""
    rows = []
    for user in {user.pk: user for user in people if user.is_active}.values():
        common = {"center": case.center, "user": user, "subject": str(subject)[:200], "text": str(text)}
        rows.append(
            Notification(
                channel=Notification.ChannelKind.WORKSPACE,
                address=f"user:{user.pk}",
                created_at=now,
                sent_at=now,
                **common,
            )
        )
        if user.email:
            rows.append(
                Notification(channel=Notification.ChannelKind.EMAIL, address=user.email, created_at=now, **common)
            )
    Notification.objects.bulk_create(rows)


def _ask_second_person(case: Case, *, actor: User, closure: bool, now) -> None:
    """Four eyes: tell those who may give the second signature that a decision waits for them."""
    with translation.override(settings.LANGUAGE_CODE):
        url = _absolute(reverse("cases:case_detail", args=[case.pk]))
        if closure:
            subject = _("Case %(ref)s: a closure waits for your sign-off") % {"ref": case.reference}
            text = _("%(by)s closed the case; sign off the closure on the case page: %(url)s")
        else:
            subject = _("Case %(ref)s: leaving high-risk waits for your confirmation") % {"ref": case.reference}
            text = _("%(by)s proposes to lower the tier; confirm or refuse on the case page: %(url)s")
        text = text % {"by": actor, "url": url}
    _notice(case, selectors.second_signers(case=case, first_person_id=actor.pk), subject=subject, text=text, now=now)


def _alert_raise(*, case: Case, actor, reason: str, now, callback_phone: str = "") -> CrisisAlert:
    """One open alert per case. A person's new acute signal on a case with an open alert adds a callback
    request to it and notifies the team again; a staff member's judgement on an open alert adds nothing."""
    person_signal = _is_person_signal(actor) and reason != "judgement"
    alert = CrisisAlert.objects.select_for_update().filter(case=case, acknowledged_at__isnull=True).first()
    if alert is not None:
        if callback_phone and not alert.callback_phone:
            alert.callback_phone = callback_phone
            alert.save(update_fields=["callback_phone"])
        if person_signal:
            request = _callback_request_add(alert, source=reason, phone=callback_phone, now=now)
            subject, text = _repeat_text(alert, alert.requests.count())
            team = _alert_team_notify(alert, now=now, subject=subject, text=text, callback_request=request)
            _event(case, actor, EventKind.ALERT, to_value=reason, reason=_("Asked again for help"), at=now)
            _audit(actor, "alert.repeat", case, alert=alert.pk, request=request.pk, on_duty=[u.pk for u in team])
            _enqueue("alert_dispatch", alert.pk)
        return alert
    if reason not in {c[0] for c in CrisisAlert._meta.get_field("reason").choices}:
        reason = "judgement"
    team = on_duty(center=case.center, duty=DUTY_CRISIS_TEAM, at=now)
    alert = CrisisAlert(
        case=case,
        center=case.center,
        station=case.station,
        reason=reason,
        raised_at=now,
        callback_phone=callback_phone,
        nobody_on_duty=not team,
    )
    alert.save()
    if person_signal:
        _callback_request_add(alert, source=reason, phone=callback_phone, now=now)
    subject, text = _alert_text(alert, CrisisAlert.Level.TEAM)
    _alert_team_notify(alert, now=now, subject=subject, text=text)
    _event(case, actor, EventKind.ALERT, to_value=reason, at=now)
    _audit(actor, "alert.raise", case, alert=alert.pk, on_duty=[u.pk for u in team])
    _enqueue("alert_dispatch", alert.pk)
    return alert


@transaction.atomic
def alert_raise(*, case: Case, actor: User, reason: str) -> CrisisAlert:
    """A counselor raises a crisis alert on a case by judgement (the case becomes high-risk)."""
    _require(policies.can_work_case(actor, case))
    case = _lock(case)
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Write the reason for this judgement.")})
    now = _now()
    if case.tier < Tier.HIGH_RISK:
        _tier_apply(case, tier=Tier.HIGH_RISK, actor=actor, reason=reason, now=now, source="judgement")
        return case.alerts.filter(acknowledged_at__isnull=True).first()
    return _alert_raise(case=case, actor=actor, reason="judgement", now=now)


@transaction.atomic
def alert_acknowledge(*, alert: CrisisAlert, actor: User) -> CrisisAlert:
    """The first person to acknowledge takes the alert (and the case, if nobody has it yet)."""
    _require(policies.can_acknowledge_alert(actor, alert))
    alert = CrisisAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        return alert
    now = _now()
    alert.acknowledged_at = now
    alert.acknowledged_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    case = _lock(alert.case)
    if (
        has_role(actor, Role.COUNSELOR, Role.SUPERVISOR, center_id=case.center_id)
        and not case.counselors.filter(pk=actor.pk).exists()
    ):
        case.counselors.add(actor)
        if case.assigned_at is None:
            case.assigned_at = now
            case.save(update_fields=["assigned_at"])
        _event(case, actor, EventKind.ASSIGNED, to_value=str(actor.pk), reason=str(actor), at=now)
    _event(case, actor, EventKind.ALERT_ACK, to_value=str(alert.pk), at=now)
    _audit(actor, "alert.acknowledge", case, alert=alert.pk, level=alert.level)
    return alert


@transaction.atomic
def alert_record_contact(*, alert: CrisisAlert, actor: User, reason: str = "") -> CrisisAlert:
    """Record the first contact with the person (due within an hour of the alert)."""
    _require(policies.can_acknowledge_alert(actor, alert))
    alert = CrisisAlert.objects.select_for_update().get(pk=alert.pk)
    now = _now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
    if alert.first_contact_at is None:
        alert.first_contact_at = now
        alert.first_contact_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "first_contact_at", "first_contact_by"])
    case = _lock(alert.case)
    if case.first_contact_at is None:
        case.first_contact_at = now
    if case.assigned_at is None:
        case.assigned_at = now
    case.save(update_fields=["first_contact_at", "assigned_at"])
    _event(case, actor, EventKind.CONTACT, to_value=str(alert.pk), reason=reason, at=now)
    _audit(actor, "alert.contact", case, alert=alert.pk, within_hour=now <= alert.contact_due_at)
    return alert


@transaction.atomic
def case_record_contact(*, case: Case, actor: User, reason: str = "") -> Case:
    """Record the first contact with the person (serious: within 24 hours; high-risk: within the hour)."""
    _require(policies.can_work_case(actor, case))
    alert = case.alerts.filter(first_contact_at__isnull=True).order_by("-raised_at").first()
    if alert is not None:
        alert_record_contact(alert=alert, actor=actor, reason=reason)
        return Case.objects.get(pk=case.pk)
    case = _lock(case)
    if case.first_contact_at is not None:
        raise ValidationError(_("The first contact is already recorded."))
    now = _now()
    case.first_contact_at = now
    if case.assigned_at is None:
        case.assigned_at = now
        case.counselors.add(actor)
    case.save(update_fields=["first_contact_at", "assigned_at"])
    _event(case, actor, EventKind.CONTACT, reason=reason, at=now)
    _audit(actor, "case.contact", case, in_time=bool(case.respond_by and now <= case.respond_by))
    return case


def alerts_escalate_due(*, now=None) -> int:
    """The sweep: escalate unacknowledged alerts by the center's timers. Running it twice escalates nothing twice."""
    now = now or _now()
    changed = 0
    open_ids = list(CrisisAlert.objects.filter(acknowledged_at__isnull=True, level__lt=2).values_list("pk", flat=True))
    for pk in open_ids:
        with transaction.atomic():
            alert = (
                CrisisAlert.objects.select_for_update()
                .select_related("center", "case")
                .filter(pk=pk, acknowledged_at__isnull=True)
                .first()
            )
            if alert is None:
                continue
            minutes = (now - alert.raised_at).total_seconds() / 60
            target = alert.level
            if minutes >= alert.center.alert_second_escalation_minutes:
                target = CrisisAlert.Level.CONTACT
            elif minutes >= alert.center.alert_ack_minutes:
                target = CrisisAlert.Level.SUPERVISOR
            if target <= alert.level:
                continue
            for level in range(alert.level + 1, target + 1):
                subject, text = _alert_text(alert, level)
                if level == CrisisAlert.Level.SUPERVISOR:
                    _notify_users(
                        users=_supervisors(alert.center),
                        center=alert.center,
                        now=now,
                        subject=subject,
                        text=text,
                        alert=alert,
                        level=level,
                    )
                else:
                    _notify_contact(center=alert.center, now=now, subject=subject, text=text, alert=alert, level=level)
                _event(alert.case, None, EventKind.ESCALATED, from_value=str(level - 1), to_value=str(level), at=now)
            alert.level = target
            alert.escalated_at = now
            alert.save(update_fields=["level", "escalated_at"])
            _audit(None, "alert.escalate", alert.case, alert=alert.pk, level=target)
            _enqueue("alert_dispatch", alert.pk)
            changed += 1
    return changed


def notifications_send(*, alert_id: int | None = None, limit: int = 500) -> int:
    """Send unsent email/SMS rows, each once: a row is locked while it is sent and marked sent in that transaction.

    A worker killed mid-send loses its connection, so its lock and claim go with it and the next sweep
    sends the row; a concurrent sweep skips locked rows instead of sending them again.
    """
    from centers.notify import email_send, sms_send

    pending = Notification.objects.filter(sent_at__isnull=True).exclude(channel=Notification.ChannelKind.WORKSPACE)
    if alert_id is not None:
        pending = pending.filter(alert_id=alert_id)
    sent = 0
    for pk in list(pending.order_by("pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            row = Notification.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at__isnull=True).first()
            if row is None:
                continue  # another worker has it, or an earlier run sent it
            try:
                if row.channel == Notification.ChannelKind.EMAIL:
                    email_send(to=row.address, subject=row.subject, text=row.text)
                else:
                    sms_send(phone=row.address, text=f"{row.subject} {row.text}")
            except Exception as exc:
                logger.warning("cases: sending notification %s failed (%s); will retry", row.pk, exc)
                Notification.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
                continue
            Notification.objects.filter(pk=row.pk).update(sent_at=_now(), attempts=F("attempts") + 1)
        sent += 1
    return sent


# --- screenings ----------------------------------------------------------------------------------------


@transaction.atomic
def screening_submit(
    *, resident: Resident, instrument: str, answers: dict, actor: User, case: Case | None = None, taken_at=None
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
        _require(policies.can_work_case(actor, case))
        if not case.is_open:
            raise ValidationError(_("This case is closed. Record new contact through an intake: it reopens the case."))
    result = definition.score(answers)
    now = _now()
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
        answers=dict(definition.clean_answers(answers).items()),
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
        case = _lock(case)
        screening.case = case
        screening.save(update_fields=["case"])
        _event(case, actor, EventKind.SCREENING, to_value=f"{instrument}:{result.score}", reason=reason, at=now)
        _audit(actor, "case.screening", case, screening=screening.pk, instrument=instrument)
        _raise_to(case, tier=tier, actor=actor, reason=reason, now=now, source=Channel.SCREENING)
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
        _event(case, actor, EventKind.SCREENING, to_value=f"{instrument}:{result.score}", reason=reason, at=now)
    else:
        open_case = Case.objects.open().filter(resident=resident, center=resident.center).first()
        if open_case is not None:
            screening.case = open_case
            screening.save(update_fields=["case"])
            _event(
                open_case, actor, EventKind.SCREENING, to_value=f"{instrument}:{result.score}", reason=reason, at=now
            )
            case = open_case
    audit_record(actor=actor, action="screening.submit", obj=screening, detail={"instrument": instrument, "why": why})
    return screening, case


@transaction.atomic
def screening_consent_give(*, resident: Resident, actor: User):
    """A resident (or the guardian of a child under 14) consents to the self-check."""
    return consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=actor)


# --- notes -------------------------------------------------------------------------------------------


@transaction.atomic
def note_add(*, case: Case, actor: User, body: str) -> CaseNote:
    """A session note, stored encrypted; only the case's counselors and the supervisor write and read notes."""
    _require(policies.can_read_notes(actor, case))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    note = CaseNote(case=case, author=actor, body=body)
    note.full_clean()
    note.save()
    _event(case, actor, EventKind.NOTE, to_value=str(note.pk))
    _audit(actor, "case.note_add", case, note=note.pk)
    return note


# --- referrals -----------------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *, case: Case, partner: PartnerInstitution, basis: str, reason: str, actor: User, emergency_reason: str = ""
) -> Referral:
    """Refer to a partner: a disclosure, only with the person's consent or a recorded emergency basis."""
    _require(policies.can_work_case(actor, case))
    if basis not in ReferralBasis.values:
        raise ValidationError({"basis": _("Choose the legal basis of this referral.")})
    if not partner.is_active:
        raise ValidationError({"partner": _("This partner no longer takes referrals.")})
    referral = Referral(
        case=case,
        partner=partner,
        basis=basis,
        emergency_reason=(emergency_reason or "").strip(),
        reason=(reason or "").strip(),
        sent_by=actor,
    )
    referral.full_clean()
    referral.save()
    _event(case, actor, EventKind.REFERRAL, to_value=ReferralStatus.SENT, reason=partner.name)
    _audit(actor, "case.disclose", case, referral=referral.pk, partner=partner.pk, basis=basis)
    return referral


def _referral_status(referral: Referral, *, status: str, feedback: str, actor, via_link: bool, now) -> Referral:
    if status != referral.status:
        if status not in REFERRAL_TRANSITIONS.get(referral.status, set()):
            raise ValidationError(
                {
                    "status": _("A referral cannot go from “%(from)s” to “%(to)s”.")
                    % {
                        "from": ReferralStatus(referral.status).label,
                        "to": ReferralStatus(status).label if status in ReferralStatus.values else status,
                    }
                }
            )
        referral.status = status
        if status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
            referral.responded_at = now
        if status == ReferralStatus.COMPLETED:
            referral.completed_at = now
    feedback = (feedback or "").strip()
    if feedback:
        referral.feedback = f"{referral.feedback}\n\n{feedback}".strip()
        referral.feedback_at = now
        referral.feedback_via_link = via_link
    referral.full_clean()
    referral.save()
    if not REFERRAL_TRANSITIONS.get(referral.status):  # finished: its unused partner links die with it
        ReferralLink.objects.filter(referral=referral, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    case = referral.case
    _event(case, actor, EventKind.REFERRAL, to_value=referral.status, reason=referral.partner.name, at=now)
    _audit(actor, "referral.update", case, referral=referral.pk, status=referral.status, via_link=via_link)
    if feedback:
        _reassessment_task(case, now=now)
    return referral


def _reassessment_task(case: Case, *, now) -> None:
    """Partner feedback: the case's counselors re-assess within three days."""
    if FollowUp.objects.open().filter(case=case, kind=FollowUpKind.REASSESSMENT).exists():
        return
    FollowUp.objects.create(
        case=case,
        center=case.center,
        station=case.station,
        kind=FollowUpKind.REASSESSMENT,
        due_at=now + dt.timedelta(days=3),
        assigned_to=case.counselors.order_by("pk").first(),
    )
    _event(case, None, EventKind.FOLLOW_UP, to_value=FollowUpKind.REASSESSMENT, at=now)


@transaction.atomic
def referral_update(*, referral: Referral, actor: User, status: str, feedback: str = "") -> Referral:
    """Staff record the partner's answer and feedback."""
    _require(policies.can_work_case(actor, referral.case))
    referral = Referral.objects.select_for_update().select_related("case", "partner").get(pk=referral.pk)
    return _referral_status(referral, status=status, feedback=feedback, actor=actor, via_link=False, now=_now())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


FINISHED_REFERRAL_STATUSES = [status for status, onward in REFERRAL_TRANSITIONS.items() if not onward]


@transaction.atomic
def referral_link_create(*, referral: Referral, actor: User) -> tuple[ReferralLink, str]:
    """A single-use, expiring link for the partner; the token is shown once and only its hash is kept."""
    _require(policies.can_work_case(actor, referral.case))
    now = _now()
    ReferralLink.objects.filter(referral=referral, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = ReferralLink.objects.create(
        referral=referral,
        token_hash=_token_hash(token),
        expires_at=now + dt.timedelta(hours=settings.CASES_REFERRAL_LINK_HOURS),
        created_by=actor,
    )
    _audit(actor, "referral.link", referral.case, referral=referral.pk)
    return link, token


def referral_link_find(token: str) -> ReferralLink | None:
    """The usable link for a token, or None (unknown, used or expired). Opening it is audited."""
    link = (
        ReferralLink.objects.select_related("referral__partner", "referral__case")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=_now())
        .exclude(referral__status__in=FINISHED_REFERRAL_STATUSES)
        .first()
    )
    if link is not None:
        audit_record(
            actor=None,
            action="referral.partner_read",
            obj=link.referral.case,
            object_type="cases.case",
            detail={"referral": link.referral_id},
            actor_label=f"partner:{link.referral.partner_id}",
        )
    return link


@transaction.atomic
def referral_link_submit(*, token: str, status: str, feedback: str) -> Referral:
    """The partner answers through the link; the link is spent in the same transaction."""
    link = ReferralLink.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    now = _now()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise PermissionDenied
    if link.referral.status in FINISHED_REFERRAL_STATUSES:
        raise PermissionDenied
    if not (feedback or "").strip():
        raise ValidationError({"feedback": _("Please write your feedback.")})
    referral = Referral.objects.select_for_update().select_related("case", "partner").get(pk=link.referral_id)
    referral = _referral_status(referral, status=status, feedback=feedback, actor=None, via_link=True, now=now)
    link.used_at = now
    link.save(update_fields=["used_at"])
    return referral


# --- follow-ups --------------------------------------------------------------------------------------------


def _follow_up_schedule(case: Case, *, now) -> FollowUp | None:
    """Keep exactly one open regular follow-up on an open case, due by the tier's (or tags') rhythm."""
    if not case.is_open:
        return None
    due = now + dt.timedelta(days=follow_up_days(case))
    existing = FollowUp.objects.select_for_update().open().filter(case=case, kind=FollowUpKind.REGULAR).first()
    if existing is not None:
        if due < existing.due_at:
            existing.due_at = due
            existing.save(update_fields=["due_at"])
        return existing
    return FollowUp.objects.create(
        case=case,
        center=case.center,
        station=case.station,
        due_at=due,
        service_group=case.service_group,
        assigned_to=case.counselors.order_by("pk").first(),
    )


def _follow_up_reschedule(case: Case, *, now) -> None:
    """After a tier or tag change the next follow-up is due by the new rhythm, counted from now."""
    existing = FollowUp.objects.select_for_update().open().filter(case=case, kind=FollowUpKind.REGULAR).first()
    if existing is not None:
        existing.due_at = now + dt.timedelta(days=follow_up_days(case))
        existing.save(update_fields=["due_at"])
    else:
        _follow_up_schedule(case, now=now)


@transaction.atomic
def followup_assign(*, follow_up: FollowUp, assignee: User, actor: User) -> FollowUp:
    """Give a follow-up to a counselor or a volunteer; volunteers only through can_take_followup."""
    _require(policies.can_work_case(actor, follow_up.case))
    if not policies.can_take_followup(assignee, follow_up.case):
        lapsed_volunteer = (
            has_role(assignee, Role.VOLUNTEER, center_id=follow_up.case.center_id)
            and not policies.can_work_case(assignee, follow_up.case)
            and not policies.volunteer_is_cleared(assignee, center=follow_up.case.center)
        )
        if lapsed_volunteer:
            raise ValidationError(
                {
                    "assignee": _(
                        "This volunteer's training is not current: record a renewal before giving them follow-ups."
                    )
                }
            )
        raise ValidationError({"assignee": _("This person may not take follow-ups of this case.")})
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not follow_up.is_open:
        raise ValidationError(_("This follow-up is already done."))
    follow_up.assigned_to = assignee
    follow_up.save(update_fields=["assigned_to"])
    _event(follow_up.case, actor, EventKind.FOLLOW_UP, to_value="assigned", reason=str(assignee))
    _audit(actor, "followup.assign", follow_up.case, follow_up=follow_up.pk, assignee=assignee.pk)
    return follow_up


@transaction.atomic
def followup_complete(*, follow_up: FollowUp, actor: User, reached: bool, outcome: str = "") -> FollowUp:
    """Record a follow-up as done; the next one is scheduled by the case's rhythm."""
    _require(policies.can_do_followup(actor, follow_up))
    follow_up = FollowUp.objects.select_for_update().select_related("case").get(pk=follow_up.pk)
    if not follow_up.is_open:
        raise ValidationError(_("This follow-up is already done."))
    now = _now()
    follow_up.done_at = now
    follow_up.done_by = actor
    follow_up.reached = reached
    follow_up.outcome = (outcome or "").strip()[:300]
    follow_up.full_clean()
    follow_up.save()
    case = _lock(follow_up.case)
    _event(
        case,
        actor,
        EventKind.FOLLOW_UP,
        to_value="done" if reached else "not_reached",
        reason=follow_up.outcome,
        at=now,
    )
    _audit(actor, "followup.complete", case, follow_up=follow_up.pk, reached=reached)
    if follow_up.kind == FollowUpKind.REGULAR:
        _follow_up_schedule(case, now=now)
    return follow_up


FOLLOW_UP_SWEEP_BATCH = 1000  # follow-ups locked, escalated and committed together
DIGEST_LISTED = 50  # case references a digest email lists; the rest are on the console


def _follow_ups_due_for_escalation(now):
    """Only rows that still need a step: a day late and never escalated, or three days late, high-risk, at level 1."""
    return FollowUp.objects.open().filter(
        Q(escalation_level=0, due_at__lt=now - dt.timedelta(days=1))
        | Q(escalation_level=1, due_at__lt=now - dt.timedelta(days=3), case__tier=Tier.HIGH_RISK)
    )


def followups_escalate_due(*, now=None, batch_size: int = FOLLOW_UP_SWEEP_BATCH) -> int:
    """The sweep for overdue follow-ups: a day late → the supervisors; three days late (high-risk) → the contact.

    Set-based: each batch of due rows is locked with SELECT … FOR UPDATE SKIP LOCKED and escalated in one
    transaction (two UPDATEs, bulk inserts of notifications, case events and chained audit rows), so the
    number of statements does not grow with the rows in a batch. A row locked by a concurrent sweep is
    skipped (that sweep escalates it); a row is escalated at most once per level because its level changes
    under the lock. Supervisors and the contact get one email/SMS digest per batch; each overdue follow-up
    still has its own workspace row per supervisor and stays on the console until it is done.
    """
    now = now or _now()
    # The ids due now, read once: each batch then locks its ids by primary key, so a batch costs the same
    # whatever the backlog (paging through the due rows by "pk > last" re-sorted them all on every batch).
    due_ids = list(_follow_ups_due_for_escalation(now).order_by("pk").values_list("pk", flat=True))
    changed = 0
    supervisors: dict[int, list[User]] = {}  # once per center and run, not once per row
    for start in range(0, len(due_ids), batch_size):
        with transaction.atomic():
            changed += _followups_escalate_batch(
                now=now, ids=due_ids[start : start + batch_size], supervisors=supervisors
            )
    return changed


def _followups_escalate_batch(*, now, ids: list[int], supervisors: dict) -> int:
    """Lock those of `ids` that still need a step (skipping rows another sweep holds) and escalate them."""
    rows = list(
        _follow_ups_due_for_escalation(now)
        .filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
        .values(
            "pk",
            "due_at",
            "escalation_level",
            "center_id",
            "case_id",
            "case__tier",
            "case__center_id",
            "case__station_id",
        )
    )
    if not rows:
        return 0
    three_days = dt.timedelta(days=3)
    by_target: dict[int, list[dict]] = {1: [], 2: []}
    for row in rows:
        target = 2 if now - row["due_at"] >= three_days and row["case__tier"] == Tier.HIGH_RISK else 1
        if target > row["escalation_level"]:  # the filter and the lock make this always true; kept as a guard
            row["target"] = target
            by_target[target].append(row)
    for target, items in by_target.items():
        if items:
            FollowUp.objects.filter(pk__in=[row["pk"] for row in items]).update(escalation_level=target)
    escalated = by_target[1] + by_target[2]
    if not escalated:
        return 0
    centers = {center.pk: center for center in Center.objects.filter(pk__in={row["center_id"] for row in escalated})}
    for center_id in centers:
        if center_id not in supervisors:
            supervisors[center_id] = _supervisors(centers[center_id])
    case_url = _case_url_maker()
    for row in escalated:
        row["ref"] = Case.reference_for(row["case_id"])
        row["due"] = timezone.localtime(row["due_at"]).date().isoformat()
        row["url"] = case_url(row["case_id"])
    notifications: list[tuple] = []  # in the order of _NOTIFICATION_COLUMNS
    with translation.override(settings.LANGUAGE_CODE):
        overdue_subject = _("Overdue follow-up of case %(ref)s")
        overdue_text = _("The follow-up was due on %(due)s: %(url)s")
        # Level 1: each supervisor sees each overdue follow-up in the workspace, and gets one digest.
        first_step: dict[int, list[dict]] = {}
        for row in escalated:
            if row["escalation_level"] < 1:
                first_step.setdefault(row["center_id"], []).append(row)
        for center_id, items in first_step.items():
            workspace = Notification.ChannelKind.WORKSPACE.value
            for row in items:
                subject = (overdue_subject % {"ref": row["ref"]})[:200]
                text = overdue_text % {"due": row["due"], "url": row["url"]}
                for user in supervisors[center_id]:
                    notifications.append(
                        (center_id, row["pk"], 1, workspace, user.pk, f"user:{user.pk}", subject, text, now, now, 0)
                    )
            subject, email_text, sms_text = _follow_up_digest_text(items, level=1)
            for user in supervisors[center_id]:
                notifications += _digest_rows(
                    center_id=center_id,
                    level=1,
                    user_id=user.pk,
                    email=user.email,
                    phone=user.phone,
                    subject=subject,
                    email_text=email_text,
                    sms_text=sms_text,
                    now=now,
                )
        # Level 2: the center's escalation contact gets one digest of the high-risk cases three days late.
        second_step: dict[int, list[dict]] = {}
        for row in by_target[2]:
            second_step.setdefault(row["center_id"], []).append(row)
        for center_id, items in second_step.items():
            center = centers[center_id]
            subject, email_text, sms_text = _follow_up_digest_text(items, level=2)
            notifications += _digest_rows(
                center_id=center_id,
                level=2,
                user_id=None,
                email=center.escalation_contact_email,
                phone=center.escalation_contact_phone,
                subject=subject,
                email_text=email_text,
                sms_text=sms_text,
                now=now,
            )
    # The unique constraint (follow-up, level, channel, address) keeps the workspace rows once-only.
    insert_rows(Notification, _NOTIFICATION_COLUMNS, notifications, ignore_conflicts=True)
    insert_rows(
        CaseEvent,
        ("case_id", "at", "kind", "from_value", "to_value", "reason"),
        [(row["case_id"], now, EventKind.ESCALATED.value, "", f"follow_up:{row['target']}", "") for row in escalated],
    )
    audit_record_many(
        [
            AuditEntry(
                action="followup.escalate",
                object_type="cases.case",
                object_id=row["case_id"],
                center_id=row["case__center_id"],
                station_id=row["case__station_id"],
                detail={"follow_up": row["pk"], "level": row["target"]},
            )
            for row in escalated
        ],
        actor_label=SYSTEM,
    )
    return len(escalated)


def _case_url_maker():
    """The case page's absolute address for a case id, reversed once per batch instead of once per row."""
    marker = 987_654_321
    head, tail = _absolute(reverse("cases:case_detail", args=[marker])).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _follow_up_digest_text(items: list[dict], *, level: int) -> tuple[str, str, str]:
    """One digest for a batch of overdue follow-ups of one center: subject, email text, SMS text."""
    count = len(items)
    console = _absolute(reverse("cases:console"))
    if level == 1:
        subject = ngettext(
            "%(count)d follow-up is more than a day overdue",
            "%(count)d follow-ups are more than a day overdue",
            count,
        ) % {"count": count}
    else:
        subject = ngettext(
            "High-risk: %(count)d follow-up is three days overdue",
            "High-risk: %(count)d follow-ups are three days overdue",
            count,
        ) % {"count": count}
    lines = [
        str(_("Case %(ref)s, due %(due)s: %(url)s") % {"ref": row["ref"], "due": row["due"], "url": row["url"]})
        for row in sorted(items, key=lambda row: row["due_at"])[:DIGEST_LISTED]
    ]
    if count > DIGEST_LISTED:
        rest = count - DIGEST_LISTED
        lines.append(str(ngettext("… and %(count)d more.", "… and %(count)d more.", rest) % {"count": rest}))
    lines.append(str(_("Every overdue follow-up is listed on the supervisor console: %(url)s") % {"url": console}))
    # One item: the SMS names the case as the per-item message did; more: the console lists them all.
    sms_text = lines[0] if count == 1 else str(_("See the supervisor console: %(url)s") % {"url": console})
    return str(subject)[:200], "\n".join(lines), sms_text


_NOTIFICATION_COLUMNS = (
    "center_id",
    "follow_up_id",
    "level",
    "channel",
    "user_id",
    "address",
    "subject",
    "text",
    "created_at",
    "sent_at",
    "attempts",
)


def _digest_rows(*, center_id, level, user_id, email, phone, subject, email_text, sms_text, now) -> list[tuple]:
    """A digest's email and SMS rows (unsent: notifications_send sends each once), as _NOTIFICATION_COLUMNS."""
    rows = []
    if email:
        rows.append(
            (
                center_id,
                None,
                level,
                Notification.ChannelKind.EMAIL.value,
                user_id,
                email,
                subject,
                email_text,
                now,
                None,
                0,
            )
        )
    if phone:
        rows.append(
            (
                center_id,
                None,
                level,
                Notification.ChannelKind.SMS.value,
                user_id,
                phone,
                subject,
                sms_text,
                now,
                None,
                0,
            )
        )
    return rows


# --- expert consultations ----------------------------------------------------------------------------------


@transaction.atomic
def consultation_request(*, case: Case, expert: User, question: str, actor: User) -> Consultation:
    """Ask an expert of the center's pool; from then on the expert may open this case (and only such cases)."""
    _require(policies.can_work_case(actor, case))
    if not has_role(expert, Role.EXPERT, center_id=case.center_id):
        raise ValidationError({"expert": _("Choose an expert of this center's pool.")})
    consultation = Consultation(case=case, expert=expert, requested_by=actor, question=(question or "").strip())
    consultation.full_clean()
    consultation.save()
    _event(case, actor, EventKind.CONSULTATION, to_value="requested", reason=str(expert))
    _audit(actor, "case.consult_request", case, consultation=consultation.pk, expert=expert.pk)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Expert consultation asked on case %(ref)s") % {"ref": case.reference}
        text = _("A counselor asks for your advice: %(url)s") % {"url": _absolute(reverse("cases:consultations"))}
    _notify_users(
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
    _require(policies.can_advise(actor, consultation))
    consultation = Consultation.objects.select_for_update().select_related("case").get(pk=consultation.pk)
    advice = (advice or "").strip()
    if not advice:
        raise ValidationError({"advice": _("Write your advice.")})
    consultation.advice = advice
    consultation.advised_at = _now()
    consultation.save(update_fields=["advice", "advised_at"])
    _event(consultation.case, actor, EventKind.CONSULTATION, to_value="advised")
    _audit(actor, "case.consult_advise", consultation.case, consultation=consultation.pk)
    return consultation


# --- re-assessment and closure ----------------------------------------------------------------------------


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
    _require(policies.can_work_case(actor, case))
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
    _event(case, actor, EventKind.REASSESSED, to_value=int(judged_tier), reason=item.rationale)
    _audit(actor, "case.reassess", case, reassessment=item.pk)
    FollowUp.objects.open().filter(case=case, kind=FollowUpKind.REASSESSMENT).update(
        done_at=item.at, done_by=actor, reached=True
    )
    return item


def _last_start(case: Case):
    reopened = case.events.filter(kind=EventKind.REOPENED).order_by("-at").values_list("at", flat=True).first()
    return reopened or case.opened_at


def case_reassessed(case: Case) -> bool:
    """A structured judgement since the case last (re)opened, or a screening since it last entered 访."""
    if case.reassessments.filter(at__gte=_last_start(case)).exists():
        return True
    entered = (
        case.events.filter(kind=EventKind.STAGE, to_value=Stage.FOLLOW_UP)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return bool(entered and case.screenings.filter(taken_at__gte=entered).exists())


def screening_for_reassessment(case: Case) -> Screening | None:
    """The newest screening taken since the case last entered 访, to back a structured judgement."""
    entered = (
        case.events.filter(kind=EventKind.STAGE, to_value=Stage.FOLLOW_UP)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if entered is None:
        return None
    return case.screenings.filter(taken_at__gte=entered).order_by("-taken_at").first()


@transaction.atomic
def case_close(*, case: Case, actor: User, summary: str) -> Case:
    """Close with a re-assessment and a summary; a case that was high-risk waits for a supervisor's sign-off."""
    _require(policies.can_work_case(actor, case))
    case = _lock(case)
    summary = (summary or "").strip()
    errors = []
    if case.stage != Stage.FOLLOW_UP:
        errors.append(_("Only a case in follow-up (访) can be closed."))
    if not summary:
        errors.append(_("Write a closing summary."))
    if not case_reassessed(case):
        errors.append(_("Re-assess the person first (a new screening or a structured judgement)."))
    if case.alerts.filter(acknowledged_at__isnull=True).exists():
        errors.append(_("A crisis alert on this case is still open."))
    if case.tier == Tier.HIGH_RISK:
        still = _(
            "The case is still high-risk: it cannot be closed. Lower the tier first; leaving high-risk "
            "needs a second person's confirmation."
        )
        errors.append(f"{still} {_second_signers_text(case, actor.pk)}")
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
    now = _now()
    case.closure_summary = summary
    if case.ever_high_risk:
        # Four eyes, whoever closes (a supervisor too): a second person signs off (case_sign_off).
        case.closure_requested_at = now
        case.closure_requested_by = actor
        case.save(update_fields=["closure_summary", "closure_requested_at", "closure_requested_by"])
        _event(case, actor, EventKind.CLOSURE_REQUESTED, reason=summary, at=now)
        _audit(actor, "case.close_request", case)
        _ask_second_person(case, actor=actor, closure=True, now=now)
        return case
    return _close(case, actor=actor, now=now, signed=False)


def _close(case: Case, *, actor, now, signed: bool) -> Case:
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
    _event(case, actor, EventKind.CLOSED, from_value=old, to_value=Stage.CLOSED, reason=case.closure_summary, at=now)
    _audit(actor, "case.close", case, signed_off=signed)
    return case


@transaction.atomic
def case_sign_off(*, case: Case, actor: User) -> Case:
    """A second person signs off the closure of a (once) high-risk case: a supervisor of the center or its
    deputy, never the person who closed it (four eyes)."""
    _require(policies.can_work_or_second_sign(actor, case))
    case = _lock(case)
    if case.closure_requested_at is None or not case.is_open:
        raise ValidationError(_("No closure is waiting for sign-off."))
    _require_second_person(
        case,
        actor=actor,
        first_person_id=case.closure_requested_by_id,
        own=_("You closed this case yourself: a second person must sign off the closure."),
    )
    return _close(case, actor=actor, now=_now(), signed=True)


# --- early-warning series ---------------------------------------------------------------------------------


def _week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=7)


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def weekly_series_compute(*, week_start: dt.date) -> int:
    """Per station and week: active cases per tier, new alerts, mean PHQ-9, share of positive screenings."""
    week_start = week_start_of(week_start)
    start, end = _week_bounds(week_start)
    active = (
        Case.objects.filter(station__isnull=False, opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .values("station_id", "tier")
        .annotate(n=Count("pk"))
    )
    alerts = (
        CrisisAlert.objects.filter(station__isnull=False, raised_at__gte=start, raised_at__lt=end)
        .values("station_id")
        .annotate(n=Count("pk"))
    )
    screens = (
        Screening.objects.filter(station__isnull=False, taken_at__gte=start, taken_at__lt=end)
        .values("station_id")
        .annotate(
            n=Count("pk"),
            pos=Count("pk", filter=Q(positive=True)),
            phq=Count("pk", filter=Q(instrument="phq9")),
            mean=Avg("score", filter=Q(instrument="phq9")),
        )
    )
    figures: dict[int, dict] = {}
    for row in active:
        key = {Tier.GENERAL: "active_general", Tier.SERIOUS: "active_serious", Tier.HIGH_RISK: "active_high_risk"}[
            row["tier"]
        ]
        figures.setdefault(row["station_id"], {})[key] = row["n"]
    for row in alerts:
        figures.setdefault(row["station_id"], {})["new_alerts"] = row["n"]
    for row in screens:
        mean = row["mean"]
        figures.setdefault(row["station_id"], {}).update(
            screenings=row["n"],
            positive_screenings=row["pos"],
            phq9_count=row["phq"],
            mean_phq9=Decimal(str(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if mean is not None else None,
        )
    stations = {s.pk: s.center_id for s in Station.objects.filter(pk__in=figures.keys())}
    now = _now()
    for station_id, values in figures.items():
        defaults = {
            "center_id": stations[station_id],
            "active_general": 0,
            "active_serious": 0,
            "active_high_risk": 0,
            "new_alerts": 0,
            "screenings": 0,
            "positive_screenings": 0,
            "phq9_count": 0,
            "mean_phq9": None,
            "computed_at": now,
        }
        defaults.update(values)
        WeeklyRiskSummary.objects.update_or_create(station_id=station_id, week_start=week_start, defaults=defaults)
    WeeklyRiskSummary.objects.filter(week_start=week_start).exclude(station_id__in=figures.keys()).delete()
    return len(figures)


# --- personal data --------------------------------------------------------------------------------------------


@transaction.atomic
def person_anonymise(*, resident: Resident, actor) -> None:
    """Blank the free text the case records hold about the person; figures stay for statistics. A case that
    must be kept (open, or closed inside the retention period: cases.erasure) keeps its clinical record, and
    its counselors and the supervisors are told."""
    held = held_case_ids(resident=resident)
    if held:
        erasure_record_kept(resident=resident, actor=actor, case_ids=held)
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
        _audit(actor, "case.anonymise", case)
    Screening.objects.filter(resident=resident).exclude(case_id__in=held).update(answers={})


def case_intake_from_bookings(*, now: dt.datetime | None = None, lookback: dt.timedelta = dt.timedelta(days=2)) -> int:
    """For the minute sweep: a resident's first session booked online opens (or joins) their case.

    Safe to run twice: a person's online-booking intake is an event on their case (carrying the booking's
    reference), taken once per person and center. Returns how many bookings were taken in.
    """
    from appointments.selectors import online_first_bookings

    now = now or _now()
    taken = 0
    for appointment in online_first_bookings(booked_after=now - lookback):
        ref = f"appointment:{appointment.pk}"
        # Once per person and center: a first booking cancelled and booked again is no new signal.
        if CaseEvent.objects.filter(
            case__resident_id=appointment.resident_id,
            case__center_id=appointment.center_id,
            to_value=Channel.ONLINE_BOOKING,
            kind__in=[EventKind.OPENED, EventKind.JOINED],
        ).exists():
            continue
        with transaction.atomic():
            case_intake(
                resident=appointment.resident,
                center=appointment.center,
                station=appointment.station,
                channel=Channel.ONLINE_BOOKING,
                source=_("First session booked online"),
                actor=None,
                ref=ref,
            )
        taken += 1
    return taken
