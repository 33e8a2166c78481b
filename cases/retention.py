"""The cases app's record types for the retention schedule (hook ``retention_record_types``):

- ``case``: a closed counseling case, with its notes, screenings, referrals, follow-ups, safety plans, alerts and
  callback requests and the conversations joined to it; kept FUCHENG_RETENTION_CASE_YEARS after closing, or the
  center's own Center.record_retention_years when that is longer.
- ``conversation``: an online conversation never joined to a case, closed; kept
  FUCHENG_RETENTION_CONVERSATION_YEARS after closing.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from cases.alerts.models import CrisisAlert
from cases.consult.models import Conversation, Handover, Message
from cases.models import Case
from cases.referrals.models import Referral
from cases.screenings.models import Screening
from centers.retention.schedule import DueRecord, RecordType, add_years, years_for


def _cases_due(until: dt.datetime) -> list[DueRecord]:
    years = years_for("case")
    closed = Case.objects.filter(closed_at__isnull=False, closed_at__lt=add_years(until, -years)).select_related(
        "center"
    )
    records = []
    for case in closed.only("pk", "center_id", "resident_id", "closed_at", "center__record_retention_years"):
        assert case.closed_at is not None
        due_at = add_years(case.closed_at, max(years, case.center.record_retention_years))
        if due_at < until:
            records.append(DueRecord("case", case.pk, case.center_id, case.resident_id, due_at))
    return records


def _conversation_ids_remove(ids: list[int]) -> int:
    count = Message.objects.filter(conversation_id__in=ids).delete()[0]
    count += Handover.objects.filter(conversation_id__in=ids).delete()[0]
    return count + Conversation.objects.filter(pk__in=ids).delete()[0]


def _cases_remove(ids: list[int]) -> int:
    count = Screening.objects.filter(case_id__in=ids).delete()[0]
    count += _conversation_ids_remove(list(Conversation.objects.filter(case_id__in=ids).values_list("pk", flat=True)))
    count += CrisisAlert.objects.filter(case_id__in=ids).delete()[0]
    count += Referral.objects.filter(case_id__in=ids).delete()[0]
    return count + Case.objects.filter(pk__in=ids).delete()[0]


def _conversations_due(until: dt.datetime) -> list[DueRecord]:
    cutoff = add_years(until, -years_for("conversation"))
    rows = Conversation.objects.filter(case__isnull=True, closed_at__isnull=False, closed_at__lt=cutoff)
    return [
        DueRecord("conversation", pk, center_id, resident_id, add_years(closed_at, years_for("conversation")))
        for pk, center_id, resident_id, closed_at in rows.values_list("pk", "center_id", "resident_id", "closed_at")
        if closed_at is not None
    ]


def _center_of(model):
    def center_of(object_id: int) -> int | None:
        return model.objects.filter(pk=object_id).values_list("center_id", flat=True).first()

    return center_of


def record_types() -> list[RecordType]:
    return [
        RecordType(
            code="case",
            label=_("Closed counseling cases (notes, screenings, referrals, follow-ups, alerts)"),
            setting="FUCHENG_RETENTION_CASE_YEARS",
            due=_cases_due,
            remove=_cases_remove,
            center_of=_center_of(Case),
            follows_open_case=False,
        ),
        RecordType(
            code="conversation",
            label=_("Online conversations without a case"),
            setting="FUCHENG_RETENTION_CONVERSATION_YEARS",
            due=_conversations_due,
            remove=_conversation_ids_remove,
            center_of=_center_of(Conversation),
        ),
    ]
