"""Who may do what with online conversations (issue 10). Used by selectors, services, views and templates.

Residents: their own conversations and those of a child in their care. Staff (clinical content, like
notes): the counselor who has the conversation, the center's supervisors, the duty team while it waits,
whoever a waiting alert reached, and the counselors of a case it is linked to. Nobody else, across
stations and centers: a 404.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from centers.models import Role
from centers.policies import has_role, resident_of
from centers.selectors import DUTY_ONLINE
from centers.selectors import on_duty_center_ids as duty_center_ids

from .consult_models import Conversation, ConversationStatus
from .policies import case_worker_center_ids, supervised_center_ids


def on_duty_center_ids(user, at=None) -> set[int]:
    """Centers where the user is on the online duty team now, by the one on-duty rule (centers.selectors)."""
    if not has_role(user, Role.COUNSELOR, Role.SUPERVISOR):
        return set()
    at = at or timezone.now()
    cached = getattr(user, "_fucheng_duty_centers", None)
    if cached is not None and cached[0] == at:
        return cached[1]
    ids = duty_center_ids(user=user, duty=DUTY_ONLINE, at=at)
    user._fucheng_duty_centers = (at, ids)
    return ids


def is_conversation_worker(user) -> bool:
    return has_role(user, Role.COUNSELOR, Role.SUPERVISOR)


def staff_visibility_q(user, at=None) -> Q:
    """A filter for the conversations a staff member may read."""
    from .models import Notification

    if not getattr(user, "is_authenticated", False) or not is_conversation_worker(user):
        return Q(pk__in=[])
    q = Q(center_id__in=supervised_center_ids(user)) | Q(counselor=user)
    duty = on_duty_center_ids(user, at)
    if duty:
        q |= Q(status=ConversationStatus.WAITING, center_id__in=duty)
    q |= Q(pk__in=Notification.objects.filter(user=user, conversation__isnull=False).values("conversation_id"))
    from .models import Case

    q |= Q(case_id__in=Case.counselors.through.objects.filter(user_id=user.pk).values("case_id"))
    # Every way in ends with the role: only at centers where the person works cases now.
    return q & Q(center_id__in=case_worker_center_ids(user))


def _works_at(user, conversation: Conversation) -> bool:
    """The person holds now a role at the conversation's center that works conversations."""
    return conversation.center_id in case_worker_center_ids(user)


def can_view_staff(user, conversation: Conversation) -> bool:
    if not getattr(user, "is_authenticated", False) or not _works_at(user, conversation):
        return False
    if conversation.center_id in supervised_center_ids(user) or conversation.counselor_id == user.pk:
        return True
    if conversation.status == ConversationStatus.WAITING and conversation.center_id in on_duty_center_ids(user):
        return True
    if conversation.notifications.filter(user=user).exists():
        return True
    return bool(conversation.case_id and conversation.case.counselors.filter(pk=user.pk).exists())


def may_take_at_center(user, conversation: Conversation) -> bool:
    """A counselor on duty at the center, its supervisor, or whoever the conversation's alert reached."""
    if not _works_at(user, conversation):
        return False
    if conversation.center_id in supervised_center_ids(user) | on_duty_center_ids(user):
        return True
    return conversation.notifications.filter(user=user).exists()


def can_take(user, conversation: Conversation) -> bool:
    """A waiting conversation goes to the first of those who may take it."""
    return conversation.status == ConversationStatus.WAITING and may_take_at_center(user, conversation)


def can_answer(user, conversation: Conversation) -> bool:
    return (
        conversation.status == ConversationStatus.OPEN
        and conversation.counselor_id == user.pk
        and _works_at(user, conversation)
    )


def can_manage(user, conversation: Conversation) -> bool:
    """Hand over, close, block, open a case: the counselor who has it, or the center's supervisor."""
    if conversation.center_id in supervised_center_ids(user):
        return True
    return conversation.counselor_id == user.pk and _works_at(user, conversation)


def resident_may_act_for(user, resident) -> bool:
    """A resident for themselves, a guardian for a child in their care."""
    me = resident_of(user)
    if me is None or resident is None:
        return False
    return resident.pk == me.pk or resident.guardian_id == me.pk


def resident_visibility_q(user) -> Q:
    me = resident_of(user)
    if me is None:
        return Q(pk__in=[])
    return Q(resident=me) | Q(resident__guardian=me)
