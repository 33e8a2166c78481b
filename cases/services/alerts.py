"""Crisis alerts: raised by routing, acknowledged and answered by the team, escalated by the sweep."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import policies
from cases.alerts.models import CallbackRequest, CrisisAlert
from cases.models import Case, EventKind
from cases.recipients import counselor_list, supervisor_list
from cases.services.common import case_audit, case_lock, event_add, permission_require
from cases.services.notifications import NotifyArgs, absolute_url, contact_notify, users_notify
from centers.infra.enqueue import enqueue_after_commit
from centers.models import Role, User
from centers.policies import has_role
from centers.selectors import DUTY_CRISIS_TEAM, on_duty


def alert_text(alert: CrisisAlert, level: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        url = absolute_url(reverse("cases:case_detail", args=[alert.case_id]))
        if level == CrisisAlert.Level.TEAM:
            subject = _("Crisis alert: high-risk case %(ref)s needs you now") % {"ref": alert.case.reference}
        else:
            subject = _("Escalated crisis alert: case %(ref)s not acknowledged") % {"ref": alert.case.reference}
        text = _("Open the case, acknowledge the alert and contact the person within one hour: %(url)s") % {"url": url}
    return str(subject), str(text)


def _alert_team_notify(
    alert: CrisisAlert,
    *,
    now: dt.datetime,
    subject: str,
    text: str,
    callback_request: CallbackRequest | None = None,
) -> list[User]:
    """Notify the crisis team on duty, or with nobody on duty the supervisors and the escalation contact."""
    team = on_duty(center=alert.center, duty=DUTY_CRISIS_TEAM, at=now)
    rows: NotifyArgs = {"center": alert.center, "now": now, "subject": subject, "text": text, "alert": alert}
    if team:
        users_notify(users=team, callback_request=callback_request, **rows)
    else:
        # Nobody eligible on duty: straight to the supervisors and the center's escalation contact.
        reached = users_notify(users=supervisor_list(center=alert.center), callback_request=callback_request, **rows)
        reached += contact_notify(callback_request=callback_request, **rows)
        if not reached:  # an alert never has zero recipients: every active counselor of the center
            users_notify(users=counselor_list(center=alert.center), callback_request=callback_request, **rows)
    if callback_request is not None and alert.level >= CrisisAlert.Level.SUPERVISOR:
        # The alert already went past the team without an answer: the supervisors hear of the new request too.
        users_notify(users=supervisor_list(center=alert.center), callback_request=callback_request, **rows)
    return team


def _is_person_signal(actor: User | None) -> bool:
    """A signal from the person (or their guardian, or a visitor without an account), not from staff at work."""
    return actor is None or not actor.is_authenticated or not policies.is_case_worker(actor)


def _callback_request_add(alert: CrisisAlert, *, source: str, phone: str, now: dt.datetime) -> CallbackRequest:
    if source not in CallbackRequest.Source.values:
        source = CallbackRequest.Source.HELP_NOW
    request = CallbackRequest(alert=alert, source=source, phone=phone[:20], requested_at=now)
    request.full_clean()
    request.save()
    return request


def _repeat_text(alert: CrisisAlert, count: int) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        url = absolute_url(reverse("cases:case_detail", args=[alert.case_id]))
        subject = _("Crisis alert: case %(ref)s asked for help again (request %(count)s), still not acknowledged") % {
            "ref": alert.case.reference,
            "count": count,
        }
        text = _("Open the case, acknowledge the alert and call the person back now: %(url)s") % {"url": url}
    return str(subject), str(text)


def alert_open(
    *, case: Case, actor: User | None, reason: str, now: dt.datetime, callback_phone: str = ""
) -> CrisisAlert:
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
            event_add(case, actor, EventKind.ALERT, to_value=reason, reason=_("Asked again for help"), at=now)
            case_audit(actor, "alert.repeat", case, alert=alert.pk, request=request.pk, on_duty=[u.pk for u in team])
            enqueue_after_commit("cases.alert_dispatch", alert.pk)
        return alert
    if reason not in {c[0] for c in CrisisAlert._meta.get_field("reason").choices or ()}:
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
    subject, text = alert_text(alert, CrisisAlert.Level.TEAM)
    _alert_team_notify(alert, now=now, subject=subject, text=text)
    event_add(case, actor, EventKind.ALERT, to_value=reason, at=now)
    case_audit(actor, "alert.raise", case, alert=alert.pk, on_duty=[u.pk for u in team])
    enqueue_after_commit("cases.alert_dispatch", alert.pk)
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: CrisisAlert, actor: User) -> CrisisAlert:
    """The first person to acknowledge takes the alert (and the case, if nobody has it yet)."""
    permission_require(policies.can_acknowledge_alert(actor, alert))
    alert = CrisisAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        return alert
    now = timezone.now()
    alert.acknowledged_at = now
    alert.acknowledged_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    case = case_lock(alert.case)
    if (
        has_role(actor, Role.COUNSELOR, Role.SUPERVISOR, center_id=case.center_id)
        and not case.counselors.filter(pk=actor.pk).exists()
    ):
        case.counselors.add(actor)
        if case.assigned_at is None:
            case.assigned_at = now
            case.save(update_fields=["assigned_at"])
        event_add(case, actor, EventKind.ASSIGNED, to_value=str(actor.pk), reason=str(actor), at=now)
    event_add(case, actor, EventKind.ALERT_ACK, to_value=str(alert.pk), at=now)
    case_audit(actor, "alert.acknowledge", case, alert=alert.pk, level=alert.level)
    return alert


@transaction.atomic
def alert_record_contact(*, alert: CrisisAlert, actor: User, reason: str = "") -> CrisisAlert:
    """Record the first contact with the person (due within an hour of the alert)."""
    permission_require(policies.can_acknowledge_alert(actor, alert))
    alert = CrisisAlert.objects.select_for_update().get(pk=alert.pk)
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
    if alert.first_contact_at is None:
        alert.first_contact_at = now
        alert.first_contact_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "first_contact_at", "first_contact_by"])
    case = case_lock(alert.case)
    if case.first_contact_at is None:
        case.first_contact_at = now
    if case.assigned_at is None:
        case.assigned_at = now
    case.save(update_fields=["first_contact_at", "assigned_at"])
    event_add(case, actor, EventKind.CONTACT, to_value=str(alert.pk), reason=reason, at=now)
    case_audit(actor, "alert.contact", case, alert=alert.pk, within_hour=now <= alert.contact_due_at)
    return alert


@transaction.atomic
def case_record_contact(*, case: Case, actor: User, reason: str = "") -> Case:
    """Record the first contact with the person (serious: within 24 hours; high-risk: within the hour)."""
    permission_require(policies.can_work_case(actor, case))
    alert = case.alerts.filter(first_contact_at__isnull=True).order_by("-raised_at").first()
    if alert is not None:
        alert_record_contact(alert=alert, actor=actor, reason=reason)
        return Case.objects.get(pk=case.pk)
    case = case_lock(case)
    if case.first_contact_at is not None:
        raise ValidationError(_("The first contact is already recorded."))
    now = timezone.now()
    case.first_contact_at = now
    if case.assigned_at is None:
        case.assigned_at = now
        case.counselors.add(actor)
    case.save(update_fields=["first_contact_at", "assigned_at"])
    event_add(case, actor, EventKind.CONTACT, reason=reason, at=now)
    case_audit(actor, "case.contact", case, in_time=bool(case.respond_by and now <= case.respond_by))
    return case


def alerts_escalate_due(*, now: dt.datetime | None = None) -> int:
    """The sweep: escalate unacknowledged alerts by the center's timers. Running it twice escalates nothing twice."""
    now = now or timezone.now()
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
                subject, text = alert_text(alert, level)
                if level == CrisisAlert.Level.SUPERVISOR:
                    users_notify(
                        users=supervisor_list(center=alert.center),
                        center=alert.center,
                        now=now,
                        subject=subject,
                        text=text,
                        alert=alert,
                        level=level,
                    )
                else:
                    contact_notify(center=alert.center, now=now, subject=subject, text=text, alert=alert, level=level)
                event_add(alert.case, None, EventKind.ESCALATED, from_value=str(level - 1), to_value=str(level), at=now)
            alert.level = target
            alert.escalated_at = now
            alert.save(update_fields=["level", "escalated_at"])
            case_audit(None, "alert.escalate", alert.case, alert=alert.pk, level=target)
            enqueue_after_commit("cases.alert_dispatch", alert.pk)
            changed += 1
    return changed
