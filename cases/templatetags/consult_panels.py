"""The linked conversations on a case page, and the unread count on a resident's home page."""

from __future__ import annotations

from typing import Any

from django import template

from cases.consult import selectors as sel
from cases.models import Case
from cases.policies import AnyUser
from centers.models import User

register = template.Library()


@register.inclusion_tag("cases/consult/partials/case_conversations.html")
def case_conversations(case: Case, user: User) -> dict[str, Any]:
    return {"conversations": sel.linked_conversations(user=user, case=case)}


@register.simple_tag
def consult_unread(user: AnyUser) -> int:
    """Counselor lines a resident has not read yet (for the entry point on their home page)."""
    return sel.unread_for_resident(user=user)
