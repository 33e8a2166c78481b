"""The linked conversations on a case page, and the unread count on a resident's home page."""

from __future__ import annotations

from django import template

from .. import consult_selectors as sel

register = template.Library()


@register.inclusion_tag("cases/consult/partials/case_conversations.html")
def case_conversations(case, user) -> dict:
    return {"conversations": sel.linked_conversations(user=user, case=case)}


@register.simple_tag
def consult_unread(user) -> int:
    """Counselor lines a resident has not read yet (for the entry point on their home page)."""
    return sel.unread_for_resident(user=user)
