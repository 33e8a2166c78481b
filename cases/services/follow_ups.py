"""Follow-ups: scheduled by the case's rhythm, given to a counselor or volunteer, done, and escalated when overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import policies
from cases.alerts.models import Notification
from cases.follow_ups.models import TAG_FOLLOW_UP_DAYS, TIER_FOLLOW_UP_DAYS, FollowUp
from cases.models import Case, CaseEvent, EventKind, FollowUpKind, SpecialTag, Tier
from cases.recipients import supervisor_list
from cases.services.common import SYSTEM, case_audit, case_lock, event_add, permission_require
from cases.services.notifications import absolute_url
from centers.audit.log import AuditEntry, audit_record_many
from centers.infra.bulk import insert_rows
from centers.models import Center, Role, User
from centers.policies import has_role


def follow_up_days(case: Case) -> int:
    """The tier's rhythm, shortened by any special population's minimum rhythm."""
    days = [TIER_FOLLOW_UP_DAYS[Tier(case.tier)]]
    days += [TAG_FOLLOW_UP_DAYS[SpecialTag(t)] for t in case.special_tags if t in SpecialTag.values]
    return min(days)


def follow_up_schedule(case: Case, *, now: dt.datetime) -> FollowUp | None:
    """Keep exactly one open regular follow-up on an open case, due by the tier's (or tags') rhythm."""
    if not case.is_open:
        return None
    due = now + dt.timedelta(days=follow_up_days(case))
    existing: FollowUp | None = (
        FollowUp.objects.select_for_update().open().filter(case=case, kind=FollowUpKind.REGULAR).first()
    )
    if existing is not None:
        if due < existing.due_at:
            existing.due_at = due
            existing.save(update_fields=["due_at"])
        return existing
    created: FollowUp = FollowUp.objects.create(
        case=case,
        center=case.center,
        station=case.station,
        due_at=due,
        service_group=case.service_group,
        assigned_to=case.counselors.order_by("pk").first(),
    )
    return created


def follow_up_reschedule(case: Case, *, now: dt.datetime) -> None:
    """After a tier or tag change the next follow-up is due by the new rhythm, counted from now."""
    existing: FollowUp | None = (
        FollowUp.objects.select_for_update().open().filter(case=case, kind=FollowUpKind.REGULAR).first()
    )
    if existing is not None:
        existing.due_at = now + dt.timedelta(days=follow_up_days(case))
        existing.save(update_fields=["due_at"])
    else:
        follow_up_schedule(case, now=now)


def follow_up_reassessment_add(case: Case, *, now: dt.datetime) -> None:
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
    event_add(case, None, EventKind.FOLLOW_UP, to_value=FollowUpKind.REASSESSMENT, at=now)


@transaction.atomic
def follow_up_assign(*, follow_up: FollowUp, assignee: User, actor: User) -> FollowUp:
    """Give a follow-up to a counselor or a volunteer; volunteers only through can_take_follow_up."""
    permission_require(policies.can_work_case(actor, follow_up.case))
    if not policies.can_take_follow_up(assignee, follow_up.case):
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
    event_add(follow_up.case, actor, EventKind.FOLLOW_UP, to_value="assigned", reason=str(assignee))
    case_audit(actor, "followup.assign", follow_up.case, follow_up=follow_up.pk, assignee=assignee.pk)
    return follow_up


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUp, actor: User, reached: bool, outcome: str = "") -> FollowUp:
    """Record a follow-up as done; the next one is scheduled by the case's rhythm."""
    permission_require(policies.can_do_follow_up(actor, follow_up))
    follow_up = FollowUp.objects.select_for_update().select_related("case").get(pk=follow_up.pk)
    if not follow_up.is_open:
        raise ValidationError(_("This follow-up is already done."))
    now = timezone.now()
    follow_up.done_at = now
    follow_up.done_by = actor
    follow_up.reached = reached
    follow_up.outcome = (outcome or "").strip()[:300]
    follow_up.full_clean()
    follow_up.save()
    case = case_lock(follow_up.case)
    event_add(
        case,
        actor,
        EventKind.FOLLOW_UP,
        to_value="done" if reached else "not_reached",
        reason=follow_up.outcome,
        at=now,
    )
    case_audit(actor, "followup.complete", case, follow_up=follow_up.pk, reached=reached)
    if follow_up.kind == FollowUpKind.REGULAR:
        follow_up_schedule(case, now=now)
    return follow_up


FOLLOW_UP_SWEEP_BATCH = 1000  # follow-ups locked, escalated and committed together


DIGEST_LISTED = 50  # case references a digest email lists; the rest are on the console


def _follow_ups_due_for_escalation(now: dt.datetime) -> QuerySet[FollowUp]:
    """Only rows that still need a step: a day late and never escalated, or three days late, high-risk, at level 1."""
    due: QuerySet[FollowUp] = FollowUp.objects.open().filter(
        Q(escalation_level=0, due_at__lt=now - dt.timedelta(days=1))
        | Q(escalation_level=1, due_at__lt=now - dt.timedelta(days=3), case__tier=Tier.HIGH_RISK)
    )
    return due


def follow_ups_escalate_due(*, now: dt.datetime | None = None, batch_size: int = FOLLOW_UP_SWEEP_BATCH) -> int:
    """The sweep for overdue follow-ups: a day late → the supervisors; three days late (high-risk) → the contact.

    Set-based: each batch of due rows is locked with SELECT … FOR UPDATE SKIP LOCKED and escalated in one
    transaction (two UPDATEs, bulk inserts of notifications, case events and chained audit rows), so the
    number of statements does not grow with the rows in a batch. A row locked by a concurrent sweep is
    skipped (that sweep escalates it); a row is escalated at most once per level because its level changes
    under the lock. Supervisors and the contact get one email/SMS digest per batch; each overdue follow-up
    still has its own workspace row per supervisor and stays on the console until it is done.
    """
    now = now or timezone.now()
    # The ids due now, read once: each batch then locks its ids by primary key, so a batch costs the same
    # whatever the backlog (paging through the due rows by "pk > last" re-sorted them all on every batch).
    due_ids = list(_follow_ups_due_for_escalation(now).order_by("pk").values_list("pk", flat=True))
    changed = 0
    supervisors: dict[int, list[User]] = {}  # once per center and run, not once per row
    for start in range(0, len(due_ids), batch_size):
        with transaction.atomic():
            changed += _follow_ups_escalate_batch(
                now=now, ids=due_ids[start : start + batch_size], supervisors=supervisors
            )
    return changed


def _follow_ups_escalate_batch(*, now: dt.datetime, ids: list[int], supervisors: dict[int, list[User]]) -> int:
    """Lock those of `ids` that still need a step (skipping rows another sweep holds) and escalate them."""
    rows = cast(
        list[dict[str, Any]],
        list(
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
        ),
    )  # plain dicts: the rows get more keys below
    if not rows:
        return 0
    three_days = dt.timedelta(days=3)
    by_target: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
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
            supervisors[center_id] = supervisor_list(center=centers[center_id])
    case_url = _case_url_maker()
    for row in escalated:
        row["ref"] = Case.reference_for(row["case_id"])
        row["due"] = timezone.localtime(row["due_at"]).date().isoformat()
        row["url"] = case_url(row["case_id"])
    notifications: list[tuple[object, ...]] = []  # in the order of _NOTIFICATION_COLUMNS
    with translation.override(settings.LANGUAGE_CODE):
        overdue_subject = _("Overdue follow-up of case %(ref)s")
        overdue_text = _("The follow-up was due on %(due)s: %(url)s")
        # Level 1: each supervisor sees each overdue follow-up in the workspace, and gets one digest.
        first_step: dict[int, list[dict[str, Any]]] = {}
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
        second_step: dict[int, list[dict[str, Any]]] = {}
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


def _case_url_maker() -> Callable[[int], str]:
    """The case page's absolute address for a case id, reversed once per batch instead of once per row."""
    marker = 987_654_321
    head, tail = absolute_url(reverse("cases:case_detail", args=[marker])).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _follow_up_digest_text(items: list[dict[str, Any]], *, level: int) -> tuple[str, str, str]:
    """One digest for a batch of overdue follow-ups of one center: subject, email text, SMS text."""
    count = len(items)
    console = absolute_url(reverse("cases:console"))
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


def _digest_rows(
    *,
    center_id: int,
    level: int,
    user_id: int | None,
    email: str,
    phone: str,
    subject: str,
    email_text: str,
    sms_text: str,
    now: dt.datetime,
) -> list[tuple[object, ...]]:
    """A digest's email and SMS rows (unsent: notifications_send sends each once), as _NOTIFICATION_COLUMNS."""
    rows: list[tuple[object, ...]] = []
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
