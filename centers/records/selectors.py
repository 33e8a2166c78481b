"""One record per person: finding the record a new one would duplicate, and what a merge would move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet, UniqueConstraint
from django.utils.translation import gettext as _

from centers.models import Resident, Station
from centers.policies import Actor, center_ids_for, supervised_center_ids
from centers.privacy.models import ConsentRecord


def resident_lookalikes(
    *,
    center_id: int,
    full_name: str = "",
    birth_date: dt.date | None = None,
    station: Station | None = None,
    phone: str = "",
    exclude_pk: int | None = None,
) -> QuerySet[Resident]:
    """Records of one center that look like the same person: the same verified mobile number (the
    account's, or a number staff took down), or the same name, birth year and station."""
    same = Q(pk__in=[])
    if phone:
        same |= Q(user__phone=phone, user__phone_verified=True) | Q(phone=phone)
    if full_name.strip() and birth_date is not None and station is not None:
        same |= Q(full_name=full_name.strip(), birth_date__year=birth_date.year, station=station)
    rows = Resident.objects.filter(same, center_id=center_id, anonymised_at__isnull=True)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.select_related("station").order_by("pk")


def lookalike_message(match: Resident) -> str:
    """What staff read when a new record would duplicate `match`: who it looks like, and the two ways on."""
    facts = [match.station.name if match.station is not None else "", match.masked_phone]
    if match.birth_date:
        facts.append(_("born %(year)s") % {"year": match.birth_date.year})
    return _(
        "This looks like %(name)s (%(facts)s), already registered. Use that record (choose them, or give their "
        "number), or tick “Someone else: create a new record”."
    ) % {"name": match.full_name, "facts": ", ".join(fact for fact in facts if fact)}


def resident_for_merge(*, user: Actor, pk: int) -> Resident | None:
    """A resident a supervisor may merge (their own centers' records only), or None."""
    return (
        Resident.objects.filter(pk=pk, center_id__in=supervised_center_ids(user), anonymised_at__isnull=True)
        .select_related("center", "station", "user")
        .first()
    )


def resident_search_for_staff(*, user: Actor, query: str) -> QuerySet[Resident]:
    """Residents of the user's centers whose name or number matches, for picking records to merge."""
    query = query.strip()
    if not query:
        return Resident.objects.none()
    match = Q(full_name__icontains=query) | Q(phone=query)
    return (
        Resident.objects.filter(match, center_id__in=center_ids_for(user), anonymised_at__isnull=True)
        .select_related("station")
        .order_by("full_name", "pk")[:50]
    )


@dataclass
class MergeLine:
    """One kind of row that would move, e.g. 3 appointments."""

    label: str
    count: int


@dataclass
class MergeClash:
    """Rows that one person may hold only once (an open case, an active consent…) on both records."""

    label: str
    model_label: str


def _resident_relations() -> Iterator[tuple[type[Model], str]]:
    for relation in Resident._meta.related_objects:
        if relation.related_model is Resident:
            continue  # wards: counted on their own below
        yield relation.related_model, relation.field.name


def merge_preview(*, kept: Resident, removed: Resident) -> tuple[list[MergeLine], list[MergeClash]]:
    """What moves from `removed` to `kept`, and what both hold that one person may hold once."""
    lines: list[MergeLine] = []
    clashes: list[MergeClash] = []
    for model, field in _resident_relations():
        if model is ConsentRecord:
            # Resolved by rule, not refused: the kept record's consent stays, the other is withdrawn.
            count = model._default_manager.filter(**{field: removed}).count()
            if count:
                lines.append(MergeLine(str(model._meta.verbose_name_plural), count))
            continue
        count = model._default_manager.filter(**{field: removed}).count()
        if count:
            lines.append(MergeLine(str(model._meta.verbose_name_plural), count))
        for constraint in model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or field not in (constraint.fields or ()):
                continue
            rows = model._default_manager.all()
            if constraint.condition is not None:
                rows = rows.filter(constraint.condition)
            others = [name for name in constraint.fields if name != field]
            kept_keys = set(rows.filter(**{field: kept}).values_list(*others)) if others else set()
            removed_keys = set(rows.filter(**{field: removed}).values_list(*others)) if others else set()
            if not others:
                kept_keys = {()} if rows.filter(**{field: kept}).exists() else set()
                removed_keys = {()} if rows.filter(**{field: removed}).exists() else set()
            if kept_keys & removed_keys:
                clashes.append(MergeClash(str(model._meta.verbose_name_plural), model._meta.label))
    wards = Resident.objects.filter(guardian=removed).count()
    if wards:
        lines.append(MergeLine(str(Resident._meta.verbose_name_plural), wards))
    return lines, clashes
