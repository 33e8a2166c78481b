"""Who may do what with online conversations. Used by selectors, services, views and templates.

Residents: their own conversations and those of a child in their care. Staff (clinical content, like
notes): the counselor who has the conversation, the center's supervisors, the duty team while it waits,
whoever a waiting alert reached, and the counselors of a case it is linked to. Nobody else, across
stations and centers: a 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from cases.alerts.models import Notification
from cases.consult.models import Conversation, ConversationStatus
from cases.models import Case
from cases.policies import AnyUser, case_worker_center_ids
from centers.models import Resident, Role, User
from centers.policies import has_role, resident_of, supervised_center_ids
from centers.selectors import DUTY_ONLINE
from centers.selectors import on_duty_center_ids as duty_center_ids

# The answer of on_duty_center_ids, kept on the user object for the request, with the moment it is for.
DUTY_CENTERS_ATTR = "_fucheng_duty_centers"


def on_duty_center_ids(user: AnyUser, at: dt.datetime | None = None) -> set[int]:
    """Centers where the user is on the online duty team now, by the one on-duty rule (centers.selectors)."""
    if not has_role(user, Role.COUNSELOR, Role.SUPERVISOR):
        return set()
    at = at or timezone.now()
    cached: tuple[dt.datetime, set[int]] | None = getattr(user, DUTY_CENTERS_ATTR, None)
    if cached is not None and cached[0] == at:
        return cached[1]
    ids: set[int] = duty_center_ids(user=user, duty=DUTY_ONLINE, at=at)
    setattr(user, DUTY_CENTERS_ATTR, (at, ids))
    return ids


def is_conversation_worker(user: AnyUser) -> bool:
    return has_role(user, Role.COUNSELOR, Role.SUPERVISOR)


def staff_visibility_q(user: AnyUser, at: dt.datetime | None = None) -> Q:
    """A filter for the conversations a staff member may read."""
    if not isinstance(user, User) or not is_conversation_worker(user):  # visitors read none
        return Q(pk__in=[])
    q = Q(center_id__in=supervised_center_ids(user)) | Q(counselor=user)
    duty = on_duty_center_ids(user, at)
    if duty:
        q |= Q(status=ConversationStatus.WAITING, center_id__in=duty)
    q |= Q(pk__in=Notification.objects.filter(user=user, conversation__isnull=False).values("conversation_id"))
    q |= Q(case_id__in=Case.counselors.through.objects.filter(user_id=user.pk).values("case_id"))
    # Every way in ends with the role: only at centers where the person works cases now.
    return q & Q(center_id__in=case_worker_center_ids(user))


def _works_at(user: AnyUser, conversation: Conversation) -> bool:
    """The person holds now a role at the conversation's center that works conversations."""
    return conversation.center_id in case_worker_center_ids(user)


def can_view_staff(user: AnyUser, conversation: Conversation) -> bool:
    if not isinstance(user, User) or not _works_at(user, conversation):  # visitors read none
        return False
    if conversation.center_id in supervised_center_ids(user) or conversation.counselor_id == user.pk:
        return True
    if conversation.status == ConversationStatus.WAITING and conversation.center_id in on_duty_center_ids(user):
        return True
    if conversation.notifications.filter(user=user).exists():
        return True
    case = conversation.case if conversation.case_id else None
    return case is not None and case.counselors.filter(pk=user.pk).exists()


def may_take_at_center(user: AnyUser, conversation: Conversation) -> bool:
    """A counselor on duty at the center, its supervisor, or whoever the conversation's alert reached."""
    if not _works_at(user, conversation):
        return False
    if conversation.center_id in supervised_center_ids(user) | on_duty_center_ids(user):
        return True
    return isinstance(user, User) and conversation.notifications.filter(user=user).exists()


def can_take(user: AnyUser, conversation: Conversation) -> bool:
    """A waiting conversation goes to the first of those who may take it."""
    return conversation.status == ConversationStatus.WAITING and may_take_at_center(user, conversation)


def can_answer(user: AnyUser, conversation: Conversation) -> bool:
    return (
        conversation.status == ConversationStatus.OPEN
        and conversation.counselor_id == user.pk
        and _works_at(user, conversation)
    )


def can_manage(user: AnyUser, conversation: Conversation) -> bool:
    """Hand over, close, block, open a case: the counselor who has it, or the center's supervisor."""
    if conversation.center_id in supervised_center_ids(user):
        return True
    return conversation.counselor_id == user.pk and _works_at(user, conversation)


def resident_may_act_for(user: AnyUser, resident: Resident | None) -> bool:
    """A resident for themselves, a guardian for a child in their care."""
    me: Resident | None = resident_of(user)
    if me is None or resident is None:
        return False
    return resident.pk == me.pk or resident.guardian_id == me.pk


def resident_visibility_q(user: AnyUser) -> Q:
    me = resident_of(user)
    if me is None:
        return Q(pk__in=[])
    return Q(resident=me) | Q(resident__guardian=me)
