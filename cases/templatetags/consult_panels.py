"""The online-conversation panel of the counselor workspace, and the linked conversations on a case page."""

from __future__ import annotations

from django import template
from django.utils import timezone

from .. import consult_policies as policies
from .. import consult_selectors as sel

register = template.Library()


@register.inclusion_tag("cases/consult/partials/panel.html")
def consult_panel(user) -> dict:
    """Waiting conversations (risk first, then the longest wait) and the counselor's own, with unread counts."""
    now = timezone.now()
    waiting = sel.waiting_for_staff(user=user, at=now)  # the duty look-up below reuses this one
    for c in waiting:
        c.waited_minutes = int((now - c.waiting_since).total_seconds() // 60)
        c.overdue = c.waited_minutes >= c.center.conversation_wait_minutes
    return {
        "waiting": waiting,
        "mine": sel.mine_for_staff(user=user),
        "on_duty": bool(policies.on_duty_center_ids(user, now)),
    }


@register.inclusion_tag("cases/consult/partials/case_conversations.html")
def case_conversations(case, user) -> dict:
    return {"conversations": sel.linked_conversations(user=user, case=case)}


@register.simple_tag
def consult_unread(user) -> int:
    """Counselor lines a resident has not read yet (for the entry point on their home page)."""
    return sel.unread_for_resident(user=user)
