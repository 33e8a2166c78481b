"""Intake: a case opened (or joined, or reopened) from any channel."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.selectors import online_first_bookings
from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, Channel, CrisisPhase, EventKind, FollowUpKind, SpecialTag, Stage, Tier
from cases.services.common import case_audit, event_add
from cases.services.routing import case_route, case_tier_apply, case_tier_raise
from centers.models import Center, Resident, Station, User
from centers.policies import resident_of


@transaction.atomic
def case_intake(
    *,
    resident: Resident,
    center: Center,
    channel: str,
    source: str,
    actor: User | None,
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
    now = timezone.now()
    signal_tier = tier or Tier.GENERAL
    Resident.objects.select_for_update().filter(pk=resident.pk).first()  # serialise intakes for one person
    case = Case.objects.select_for_update().open().filter(resident=resident, center=center).first()
    if case is not None:
        event_add(case, actor, EventKind.JOINED, from_value=ref, to_value=channel, reason=summary, at=now)
        if summary:
            case.summary = f"{case.summary}\n\n{summary}".strip()
            case.save(update_fields=["summary"])
        case_audit(actor, "case.join", case, channel=channel)
        case_tier_raise(
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
        event_add(closed, actor, EventKind.JOINED, from_value=ref, to_value=channel, reason=summary, at=now)
        if signal_tier > closed.tier:
            case_tier_apply(
                closed,
                tier=signal_tier,
                actor=actor,
                reason=reason,
                now=now,
                source=channel,
                callback_phone=callback_phone,
            )
        else:
            case_route(closed, actor, reason=channel, now=now, callback_phone=callback_phone)
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
    event_add(case, actor, EventKind.OPENED, from_value=ref, to_value=channel, reason=source, at=now)
    if signal_tier > Tier.GENERAL:
        event_add(case, actor, EventKind.TIER, to_value=int(signal_tier), reason=reason, at=now)
    case_audit(actor, "case.open", case, channel=channel, tier=signal_tier)
    case_route(case, actor, reason=channel, now=now, callback_phone=callback_phone)
    return case, True


def with_name_given(summary: str, name: str) -> str:
    """The concern, followed by the name the caller gave when it is not the record's: never dropped silently."""
    return "\n".join(
        part for part in (summary, _("Name given at intake: %(name)s") % {"name": name} if name else "") if part
    )


def _reopen(case: Case, *, actor: User | None, reason: str, now: dt.datetime) -> None:
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
    event_add(case, actor, EventKind.REOPENED, from_value=old, to_value=case.stage, reason=reason, at=now)
    case_audit(actor, "case.reopen", case)


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


def case_intake_from_bookings(*, now: dt.datetime | None = None, lookback: dt.timedelta = dt.timedelta(days=2)) -> int:
    """For the minute sweep: a resident's first session booked online opens (or joins) their case.

    Safe to run twice: a person's online-booking intake is an event on their case (carrying the booking's
    reference), taken once per person and center. Returns how many bookings were taken in.
    """

    now = now or timezone.now()
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
