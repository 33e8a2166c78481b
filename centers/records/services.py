"""One record per person: merging two records of one person, and linking a sign-up to the record staff made."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.models import Resident, User
from centers.policies import supervised_center_ids
from centers.privacy.models import ConsentRecord
from centers.records.selectors import _resident_relations, merge_preview


@transaction.atomic
def resident_merge(*, kept: Resident, removed: Resident, actor: User | None, reason: str) -> Resident:
    """Move everything of `removed` (cases, screenings, appointments, conversations, waitlist places,
    workshop places, consents, wards, the account) to `kept`, then delete `removed`; one transaction, audited.

    A supervisor of the center merges by hand; `actor=None` is the system linking a verified sign-up
    to the record staff made. Rules: both records must be of one center; where both hold something one
    person may hold once (an open case, an active conversation, a waitlist place, a workshop place) the
    merge is refused with what must happen first; of two active consents for one purpose the kept
    record's stays and the other is withdrawn; two accounts are never merged.
    """
    if actor is not None and kept.center_id not in supervised_center_ids(actor):
        raise PermissionDenied
    locked = {r.pk: r for r in Resident.objects.select_for_update().filter(pk__in=[kept.pk, removed.pk])}
    if kept.pk == removed.pk or len(locked) != 2:
        raise ValidationError(_("Choose two different records of one person."))
    kept, removed = locked[kept.pk], locked[removed.pk]
    if kept.center_id != removed.center_id:
        raise ValidationError(_("The two records belong to different centers; a merge stays within one center."))
    if kept.user_id and removed.user_id:
        raise ValidationError(
            _("Both records have their own account. Ask the person which account they use, and close the other first.")
        )
    if removed.anonymised_at or kept.anonymised_at:
        raise ValidationError(_("An erased record cannot be merged."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why these two records are one person.")})

    now = timezone.now()
    kept_purposes = set(
        ConsentRecord.objects.filter(resident=kept, withdrawn_at__isnull=True).values_list("purpose", flat=True)
    )
    withdrawn = ConsentRecord.objects.filter(
        resident=removed, withdrawn_at__isnull=True, purpose__in=kept_purposes
    ).update(withdrawn_at=now)

    lines, clashes = merge_preview(kept=kept, removed=removed)
    if clashes:
        raise ValidationError(
            _(
                "Both records hold something one person may hold only once: %(what)s. "
                "Close or cancel it on one of the records first (an open case: close it, or record its contacts "
                "on the other case), then merge."
            )
            % {"what": "、".join(clash.label for clash in clashes)}
        )

    moved: dict[str, int] = {}
    for model, field in _resident_relations():
        count = model._default_manager.filter(**{field: removed}).update(**{field: kept})
        if count:
            moved[model._meta.label_lower] = count
    wards = Resident.objects.filter(guardian=removed).exclude(pk=kept.pk).update(guardian=kept)
    if wards:
        moved["centers.resident.wards"] = wards

    account = removed.user
    removed_pk, removed_created_by = removed.pk, removed.created_by_id
    for name in ("phone", "birth_date", "gender", "station", "guardian"):
        if (
            not getattr(kept, name)
            and getattr(removed, name)
            and not (name == "guardian" and removed.guardian_id == kept.pk)
        ):
            setattr(kept, name, getattr(removed, name))
    if kept.created_by_id is None and removed_created_by is not None:
        kept.created_by_id = removed_created_by
    removed.delete()
    if account is not None:
        kept.user = account
        if account.phone_verified and account.phone:
            kept.phone = account.phone
    kept.full_clean()
    kept.save()
    audit_record(
        actor=actor,
        action="resident.merge",
        obj=kept,
        detail={"removed": removed_pk, "moved": moved, "consents_withdrawn": withdrawn, "account": bool(account)},
        actor_label=None if actor else "system",
    )
    return kept


@transaction.atomic
def resident_link_signup(*, resident: Resident, phone: str) -> Resident:
    """A person who signed up has just verified their number: if staff already keep a record of them
    (same number, same center, no account yet), that record becomes theirs, and the sign-up's own record
    is folded into it; otherwise their record takes the number. Returns the record they now own."""
    staff_made = (
        Resident.objects.select_for_update()
        .filter(center_id=resident.center_id, phone=phone, user__isnull=True, anonymised_at__isnull=True)
        .exclude(pk=resident.pk)
        .order_by("pk")
        .first()
    )
    if staff_made is None:
        resident.phone = phone
        resident.full_clean()
        resident.save(update_fields=["phone"])
        return resident
    return resident_merge(kept=staff_made, removed=resident, actor=None, reason="sign-up verified the same number")
