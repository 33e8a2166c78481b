"""Writes about service groups: the center forms them, changes who is in them, dissolves them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers import hooks
from centers.audit.log import audit_record
from centers.community.policies import can_manage_groups, require_permission
from centers.models import Center, Membership, Role, ServiceGroup, Station, User


def _check_group_members(center: Center, members: Iterable[User]) -> list[User]:
    members = list(members)
    ids = {user.pk for user in members}
    eligible = set(
        Membership.objects.filter(
            center=center, is_active=True, role__in=[Role.COUNSELOR, Role.VOLUNTEER], user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    if ids - eligible:
        raise ValidationError({"members": _("Members must be counselors or volunteers of this center.")})
    return members


@transaction.atomic
def service_group_create(
    *, actor: User, center: Center, station: Station, name: str, need: str, members: Iterable[User]
) -> ServiceGroup:
    """The center's supervisor forms a group for a station and a need, with counselors and volunteers."""
    require_permission(can_manage_groups(actor, center.pk))
    members = _check_group_members(center, members)
    if ServiceGroup.objects.filter(center=center, name=name, is_active=True).exists():
        raise ValidationError({"name": _("An active group of this center already has this name.")})
    group = ServiceGroup(center=center, station=station, name=name, need=need)
    group.full_clean()
    group.save()
    group.members.set(members)
    audit_record(
        actor=actor, action="service_group.create", obj=group, detail={"members": sorted(u.pk for u in members)}
    )
    return group


@transaction.atomic
def service_group_members_set(*, actor: User, group: ServiceGroup, members: Iterable[User]) -> ServiceGroup:
    """Change who is in an active group."""
    require_permission(can_manage_groups(actor, group.center_id))
    if not group.is_active:
        raise ValidationError(_("This group has been dissolved."))
    members = _check_group_members(group.center, members)
    group.members.set(members)
    audit_record(
        actor=actor, action="service_group.members", obj=group, detail={"members": sorted(u.pk for u in members)}
    )
    return group


@transaction.atomic
def service_group_dissolve(*, actor: User, group: ServiceGroup) -> ServiceGroup:
    """Dissolve a group. Refused while it still holds open work: that must be handed over first."""
    require_permission(can_manage_groups(actor, group.center_id))
    group = ServiceGroup.objects.select_for_update().get(pk=group.pk)
    if not group.is_active:
        raise ValidationError(_("This group has already been dissolved."))
    open_work = hooks.collect_list("group_open_work", group=group)
    if open_work:
        labels = "; ".join(str(item["label"]) for item in open_work)
        raise ValidationError(_("Hand over the group's open work before dissolving it: %(items)s") % {"items": labels})
    group.is_active = False
    group.dissolved_at = timezone.now()
    group.save(update_fields=["is_active", "dissolved_at"])
    audit_record(actor=actor, action="service_group.dissolve", obj=group)
    return group
