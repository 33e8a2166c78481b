"""The deadlines of a case and which ones it has missed (the chase itself is cases.services.deadlines).

Two deadlines per case: the response time (high-risk: first contact within 1 hour; serious: contact within
24 hours; general: assignment within 72 hours; `Case.respond_by`) and the expert review
(`Case.expert_review_by`: 24 hours for high-risk). A missed one is chased in two steps: at the deadline the
responsible people, and, if it is still missed after a grace period, the supervisors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from cases.models import Case, Tier

RESPONSIBLE = 1  # the first step: the case's counselors (or whoever the deadline names)
SUPERVISORS = 2  # the second step

# How long after a missed deadline the supervisors are told, if it is still missed.
RESPONSE_GRACE = {
    Tier.HIGH_RISK: dt.timedelta(minutes=30),
    Tier.SERIOUS: dt.timedelta(hours=4),
    Tier.GENERAL: dt.timedelta(hours=24),
}
REVIEW_GRACE = dt.timedelta(hours=4)
CHASE_BATCH = 500  # cases per deadline and sweep run

FIRST_CONTACT = "first_contact"
CONTACT = "contact"
ASSIGNMENT = "assignment"
EXPERT_REVIEW = "expert_review"

LABELS: dict[str, Promise] = {
    FIRST_CONTACT: gettext_lazy("First contact of a high-risk case (1 hour)"),
    CONTACT: gettext_lazy("Contact of a serious case (24 hours)"),
    ASSIGNMENT: gettext_lazy("Assignment of a general case (72 hours)"),
    EXPERT_REVIEW: gettext_lazy("Expert review"),
}


def response_kind(tier: int) -> str:
    """Which response deadline a tier has: first contact, contact or assignment."""
    kinds: dict[int, str] = {Tier.HIGH_RISK: FIRST_CONTACT, Tier.SERIOUS: CONTACT}
    return kinds.get(tier, ASSIGNMENT)


def overdue_rows(cases: Iterable[Case], *, now: dt.datetime) -> list[dict[str, Any]]:
    """What each case of `cases` has missed, for the workspace and the console (no query)."""
    rows = []
    for case in cases:
        if case.respond_by and case.respond_by < now and not case.response_done:
            kind = response_kind(case.tier)
            rows.append({"case": case, "what": LABELS[kind], "due": case.respond_by})
        if getattr(case, "review_missed", False):
            rows.append({"case": case, "what": LABELS[EXPERT_REVIEW], "due": case.expert_review_by})
    return sorted(rows, key=lambda row: row["due"])


COVERAGE_DAYS = 14
COVERAGE_LISTED = 20  # gaps a digest lists; the roster shows them all
