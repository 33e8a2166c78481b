"""Helpers the pages of cases share: the audit row of a page view, the case-worker check."""

from __future__ import annotations

from django.http import Http404

from cases import policies
from centers.audit.log import audit_page_view
from centers.http import AuthedRequest
from centers.policies import center_ids_for


def audit_shown(request: AuthedRequest, action: str, **shown) -> None:
    """One audit row for this page view, naming the ids of what it shows (cases, alerts, follow-ups...)."""
    centers = sorted(center_ids_for(request.user))
    audit_page_view(
        actor=request.user,
        action=action,
        shown={kind: [row.pk for row in rows] for kind, rows in shown.items()},
        center_id=centers[0] if len(centers) == 1 else None,
    )


def case_worker_required(request: AuthedRequest) -> None:
    if not policies.is_case_worker(request.user):
        raise Http404
