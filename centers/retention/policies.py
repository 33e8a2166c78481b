"""Who may see the retention page and who may place or release a legal hold."""

from __future__ import annotations

from centers.models import Role
from centers.policies import Actor, center_ids_for, has_role


def retention_center_ids(user: Actor) -> set[int]:
    """The centers whose retention reports and holds the user may read: supervisors and auditors."""
    return center_ids_for(user, (Role.SUPERVISOR, Role.AUDITOR))


def can_read_retention(user: Actor) -> bool:
    return bool(retention_center_ids(user))


def can_manage_holds(user: Actor, center_id: int) -> bool:
    """Only the center's supervisor places or releases a legal hold."""
    return has_role(user, Role.SUPERVISOR, center_id=center_id)
